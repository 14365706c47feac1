//! CloudWatch Logs' term filter patterns, as `FilterLogEvents` and Live Tail read them:
//! `ERROR` (every term must appear), `?START ?REPORT` (any of them), `-DEBUG` (none of
//! them), `"Task timed out"` (a phrase). JSON (`{ $.x = 1 }`) and space-delimited
//! (`[a, b]`) patterns are refused with a one-line reason: the emulator does not read them.

/// A parsed term pattern; the empty pattern matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl Pattern {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.starts_with('{') || text.starts_with('[') {
            return Err(format!(
                "filterPattern '{text}': the thaw emulator reads term patterns (ERROR, ?START ?REPORT, -DEBUG, \"a phrase\"), not JSON or space-delimited ones"
            ));
        }
        let mut p = Self::default();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if c.is_whitespace() {
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let (sign, after) = match c {
                '?' | '-' => (Some(c), &rest[1..]),
                _ => (None, rest),
            };
            let (term, next) = if let Some(quoted) = after.strip_prefix('"') {
                let end = quoted
                    .find('"')
                    .ok_or_else(|| format!("filterPattern '{text}': a quote is not closed"))?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            rest = next;
            if term.is_empty() {
                continue;
            }
            let list = match sign {
                Some('?') => &mut p.any,
                Some('-') => &mut p.none,
                _ => &mut p.all,
            };
            list.push(term.to_string());
        }
        Ok(p)
    }

    pub fn matches(&self, message: &str) -> bool {
        self.all.iter().all(|t| message.contains(t.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|t| message.contains(t.as_str())))
            && !self.none.iter().any(|t| message.contains(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_alternatives_exclusions_and_phrases() {
        let p = |s: &str| Pattern::parse(s).unwrap();
        assert!(p("").matches("anything"));
        assert!(p("REPORT Init").matches("REPORT RequestId: x\tInit Duration: 1 ms"));
        assert!(!p("REPORT Init").matches("REPORT RequestId: x"));
        let platform = p("?START ?END ?REPORT ?INIT_START ?\"platform.\"");
        assert!(platform.matches("START RequestId: x Version: $LATEST"));
        assert!(platform.matches(r#"{"type":"platform.report"}"#));
        assert!(!platform.matches("hello from the handler"));
        assert!(!p("REPORT -timeout").matches("REPORT RequestId: x\tStatus: timeout"));
        assert!(
            p("\"Task timed out\"")
                .matches("RequestId: x Error: Task timed out after 3.00 seconds")
        );
        assert!(Pattern::parse("{ $.level = \"ERROR\" }").is_err());
        assert!(Pattern::parse("\"open").is_err());
    }
}
