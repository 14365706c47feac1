//! A burst through the Lambda API (`lambda:NAME[:QUALIFIER]`): every request is an
//! `Invoke`, signed with SigV4 before the release, asking for the `Tail` log so the
//! REPORT says exactly which invocations were cold, for any function.

use super::sigv4::Signer;
use super::target::{InputError, RequestSpec, Target};

/// `lambda:NAME[:QUALIFIER]`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaTarget {
    pub function: String,
    pub qualifier: Option<String>,
}

pub use crate::lambda::InvocationType;

impl LambdaTarget {
    /// `Some` for a `lambda:` target; an error names what is wrong with it.
    pub fn parse(raw: &str) -> Result<Option<Self>, InputError> {
        let Some(rest) = raw.strip_prefix("lambda:") else {
            return Ok(None);
        };
        let bad = |reason: &str| InputError::Url {
            url: raw.to_string(),
            reason: reason.to_string(),
        };
        let (function, qualifier) = match rest.split_once(':') {
            Some((f, q)) => (f, Some(q)),
            None => (rest, None),
        };
        let name_ok = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !name_ok(function, 64) {
            return Err(bad(
                "a function name is 1 to 64 letters, digits, - or _; write lambda:NAME or lambda:NAME:QUALIFIER",
            ));
        }
        if let Some(q) = qualifier
            && !(q == "$LATEST" || name_ok(q, 128))
        {
            return Err(bad(
                "a qualifier is a version, an alias or $LATEST; write lambda:NAME:live",
            ));
        }
        Ok(Some(Self {
            function: function.to_string(),
            qualifier: qualifier.map(str::to_string),
        }))
    }

    /// The `Invoke` URL on `endpoint` (`https://lambda.REGION.amazonaws.com`, or any
    /// `--endpoint-url`).
    pub fn url(&self, endpoint: &str) -> String {
        let base = endpoint.trim_end_matches('/');
        let path = format!("{base}/2015-03-31/functions/{}/invocations", self.function);
        match &self.qualifier {
            // `$` is not allowed bare in a query; SigV4 signs the encoded form.
            Some(q) => format!("{path}?Qualifier={}", q.replace('$', "%24")),
            None => path,
        }
    }

    /// The request every invocation sends: POST of the payload, with the invocation type
    /// and (synchronous) the Tail log asked for.
    pub fn spec(&self, base: RequestSpec, kind: InvocationType) -> RequestSpec {
        let mut headers = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            (
                "X-Amz-Invocation-Type".to_string(),
                kind.as_str().to_string(),
            ),
        ];
        if kind == InvocationType::RequestResponse {
            headers.push(("X-Amz-Log-Type".to_string(), "Tail".to_string()));
        }
        headers.extend(base.headers);
        RequestSpec {
            method: "POST".into(),
            latency_tells: kind == InvocationType::RequestResponse,
            headers,
            body: if base.body.is_empty() {
                b"{}".to_vec()
            } else {
                base.body
            },
            ..base
        }
    }
}

/// The `Invoke` endpoint of `lambda` and its signer: `endpoint` when given, else Lambda's
/// in the Region (`region`, else the credential chain's). Credentials come from the
/// standard chain; an endpoint on this machine (the emulator, which takes any) gets
/// placeholder ones when the chain has none.
pub async fn connect(
    lambda: &LambdaTarget,
    endpoint: Option<&str>,
    region: Option<String>,
) -> Result<(Target, Signer), String> {
    let target = if let Some(e) = endpoint {
        Target::parse(&lambda.url(e)).map_err(|e| format!("--endpoint-url: {e}"))?
    } else {
        let region = match &region {
            Some(r) => Some(r.clone()),
            None => Signer::chain_region().await,
        };
        let region = region.ok_or_else(|| {
            format!(
                "lambda:{} needs Lambda's Region: pass --region, set AWS_REGION, or give --endpoint-url (a running thaw emulate)",
                lambda.function
            )
        })?;
        Target::parse(&lambda.url(&aws_endpoint(&region))).map_err(|e| e.to_string())?
    };
    let signer = match Signer::from_chain(&target, region.clone(), "lambda").await {
        Ok(s) => s,
        Err(_) if is_local(&target.host) => {
            Signer::local(region.as_deref().unwrap_or("us-east-1"), "lambda")
        }
        Err(e) => return Err(e),
    };
    Ok((target, signer))
}

/// A host on this machine (`localhost`, a loopback address): the emulator, which takes
/// any credentials.
pub fn is_local(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Lambda's public endpoint in `region`.
pub fn aws_endpoint(region: &str) -> String {
    format!("https://lambda.{region}.amazonaws.com")
}

/// The Region in a Lambda endpoint's host (`lambda.eu-west-1.amazonaws.com`).
pub fn region_of(host: &str) -> Option<String> {
    let rest = host.strip_prefix("lambda.")?;
    let region = rest.strip_suffix(".amazonaws.com")?;
    (!region.is_empty() && !region.contains('.')).then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_build_the_invoke_url() {
        let t = LambdaTarget::parse("lambda:thaw-emulated:live")
            .expect("valid")
            .expect("lambda");
        assert_eq!(
            t.url("http://127.0.0.1:3000/"),
            "http://127.0.0.1:3000/2015-03-31/functions/thaw-emulated/invocations?Qualifier=live"
        );
        let latest = LambdaTarget::parse("lambda:f:$LATEST")
            .expect("valid")
            .expect("lambda");
        assert!(latest.url("http://h").ends_with("?Qualifier=%24LATEST"));
        assert_eq!(LambdaTarget::parse("http://h/").expect("not lambda"), None);
        for bad in ["lambda:", "lambda:a b", "lambda:f:", "lambda:f:x/y"] {
            assert!(LambdaTarget::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            region_of("lambda.eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_of("127.0.0.1"), None);
    }

    #[test]
    fn the_spec_asks_for_the_tail_log_only_when_synchronous() {
        let t = LambdaTarget::parse("lambda:f")
            .expect("ok")
            .expect("lambda");
        let sync = t.spec(RequestSpec::default(), InvocationType::RequestResponse);
        assert_eq!(sync.method, "POST");
        assert_eq!(sync.body, b"{}");
        assert!(
            sync.headers
                .iter()
                .any(|(k, v)| k == "X-Amz-Log-Type" && v == "Tail")
        );
        let queued = t.spec(RequestSpec::default(), InvocationType::Event);
        assert!(!queued.headers.iter().any(|(k, _)| k == "X-Amz-Log-Type"));
    }
}
