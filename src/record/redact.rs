//! Keeps secrets out of recordings: credentials in URLs, signed query parameters,
//! `Authorization` values, bearer tokens and AWS access key ids, wherever an event
//! carries text (targets, log lines, messages).

use crate::event::{Event, EventKind};

const HIDDEN: &str = "***";

/// Query parameters whose values are secrets (compared case-insensitively).
const SECRET_PARAMS: [&str; 12] = [
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "signature",
    "sig",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "secret",
];

/// Redacts every text field of `event` in place.
pub fn event(e: &mut Event) {
    match &mut e.kind {
        EventKind::BurstStarted { target, .. } => *target = text(target),
        EventKind::Log(line) => line.text = text(&line.text),
        EventKind::SourceError { message, .. } | EventKind::SourceStatus { message, .. } => {
            *message = text(message);
        }
        _ => {}
    }
}

/// `text` with every secret it holds replaced by `***`.
pub fn text(s: &str) -> String {
    let s = url_userinfo(s);
    let s = query_secrets(&s);
    let s = after_marker(&s, "authorization", &[':', '='], true);
    let s = after_marker(&s, "bearer ", &[], false);
    access_keys(&s)
}

/// `https://user:pass@host` → `https://***@host`.
fn url_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str(HIDDEN);
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `?X-Amz-Signature=abc&x=1` → `?X-Amz-Signature=***&x=1`.
fn query_secrets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['?', '&']) {
        let (head, tail) = rest.split_at(i + 1);
        out.push_str(head);
        let name_end = tail
            .find(|c: char| c == '=' || c == '&' || c.is_whitespace())
            .unwrap_or(tail.len());
        let name = &tail[..name_end];
        if tail[name_end..].starts_with('=')
            && SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
        {
            out.push_str(name);
            out.push('=');
            out.push_str(HIDDEN);
            let value = &tail[name_end + 1..];
            let end = value
                .find(|c: char| c == '&' || c == '#' || c.is_whitespace() || c == '"')
                .unwrap_or(value.len());
            rest = &value[end..];
        } else {
            out.push_str(name);
            rest = &tail[name_end..];
        }
    }
    out.push_str(rest);
    out
}

/// Hides what follows `marker` (case-insensitive): after one of `separators` when
/// given, up to the end of the line or a closing quote.
fn after_marker(s: &str, marker: &str, separators: &[char], need_separator: bool) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    while let Some(i) = lower[from..].find(marker).map(|i| i + from) {
        let mut j = i + marker.len();
        // `"authorization": "..."`, `Authorization: Basic ...`, `authorization=...`
        let bytes = s.as_bytes();
        while j < s.len() && (bytes[j] == b'"' || bytes[j] == b' ') {
            j += 1;
        }
        if need_separator {
            if j < s.len() && separators.contains(&char::from(bytes[j])) {
                j += 1;
            } else {
                out.push_str(&s[from..i + marker.len()]);
                from = i + marker.len();
                continue;
            }
            while j < s.len() && (bytes[j] == b' ' || bytes[j] == b'"') {
                j += 1;
            }
        }
        let end = s[j..]
            .find(['"', '\n', '\r', '\t', ',', '}', '&'])
            .map_or(s.len(), |k| j + k);
        out.push_str(&s[from..j]);
        if end > j {
            out.push_str(HIDDEN);
        }
        from = end;
    }
    out.push_str(&s[from..]);
    out
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA****************`.
fn access_keys(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 20 <= b.len() {
        let prefix = &b[i..i + 4];
        let is_key = (prefix == b"AKIA" || prefix == b"ASIA")
            && b[i + 4..i + 20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric());
        if is_key {
            out.push_str(&s[copied..i + 4]);
            out.push_str(&"*".repeat(16));
            i += 20;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hidden_and_the_rest_kept() {
        let cases = [
            (
                "https://user:pa55@api.example.com/prod?x=1",
                "https://***@api.example.com/prod?x=1",
            ),
            (
                "https://h/p?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=abcdef&stage=prod",
                "https://h/p?X-Amz-Credential=***&X-Amz-Signature=***&stage=prod",
            ),
            ("GET /?token=s3cr3t HTTP/1.1", "GET /?token=*** HTTP/1.1"),
            ("Authorization: Bearer eyJhbGciOi.x.y", "Authorization: ***"),
            (
                r#"{"headers":{"authorization":"AWS4-HMAC-SHA256 Credential=x"},"path":"/"}"#,
                r#"{"headers":{"authorization":"***"},"path":"/"}"#,
            ),
            (
                "key AKIAIOSFODNN7EXAMPLE used",
                "key AKIA**************** used",
            ),
            ("sent with bearer abc.def", "sent with bearer ***"),
            (
                "REPORT RequestId: 1\tDuration: 2.00 ms",
                "REPORT RequestId: 1\tDuration: 2.00 ms",
            ),
            ("authorization is required", "authorization is required"),
            (
                "http://127.0.0.1:9000/prod/hello?sleep_ms=100",
                "http://127.0.0.1:9000/prod/hello?sleep_ms=100",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "{input}");
        }
    }

    #[test]
    fn odd_text_never_panics() {
        for s in [
            "",
            "://",
            "?",
            "&=",
            "authorization",
            "Authorization:",
            "AKIA",
            "é://é@é?é=é&key=é",
            "bearer ",
        ] {
            let _ = text(s);
        }
    }
}
