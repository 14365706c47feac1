//! The checks that need no AWS: the endpoint answering (one real request through thaw's
//! own client, probe headers read as the screen reads them) and the open-file limit.

use std::time::Duration;

use super::{Check, Verdict};
use crate::burst::{self, Plan, RequestSpec, Target};
use crate::clock::Clock;
use crate::event::{EventKind, RequestObserved};

/// Sockets thaw keeps besides one per request (the terminal, AWS clients, files).
const SPARE_FILES: u64 = 64;

/// One GET to `url`: does it answer, and does it say which environment served it?
pub async fn endpoint(url: &str) -> Check {
    const NAME: &str = "endpoint";
    let target = match Target::parse(url) {
        Ok(t) => t,
        Err(e) => return Check::new(NAME, Verdict::Fail, format!("--url: {e}")),
    };
    let Ok(plan) = "serial 1".parse::<Plan>() else {
        return Check::new(NAME, Verdict::Skip, "cannot plan one request");
    };
    let spec = RequestSpec {
        timeout: Duration::from_secs(10),
        ..RequestSpec::default()
    };
    let mut seen: Option<RequestObserved> = None;
    let run = burst::run(&plan, target, spec, None, Clock::start(), |e| {
        if let EventKind::Request(r) = e.kind {
            seen = Some(r);
        }
    })
    .await;
    if let Err(e) = run {
        return Check::new(NAME, Verdict::Fail, format!("{url}: {e}"));
    }
    match seen {
        Some(r) => answered(url, &r),
        None => Check::new(NAME, Verdict::Fail, format!("{url}: no answer")),
    }
}

fn answered(url: &str, r: &RequestObserved) -> Check {
    const NAME: &str = "endpoint";
    let ms = r.latency().as_secs_f64() * 1000.0;
    let Some(status) = r.status else {
        let why = r
            .error
            .map_or("no answer".to_string(), |e| format!("{e:?}").to_lowercase());
        return Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "{url} did not answer ({why}): check the URL, and that it is reachable from here"
            ),
        );
    };
    let probe = match &r.probe {
        Some(p) => format!(
            "probe headers: environment {} ({})",
            &p.env.0[..p.env.0.len().min(8)],
            if p.cold { "cold" } else { "warm" }
        ),
        None => "no probe headers: cold or warm is inferred from latency (the probe in assets/probe says exactly)".into(),
    };
    let (verdict, note) = match status {
        200..=399 => (Verdict::Pass, String::new()),
        429 => (
            Verdict::Warn,
            " (throttled: bursts will see more of it)".into(),
        ),
        401 | 403 => (
            Verdict::Fail,
            " (denied: a function URL with AWS_IAM auth needs signed requests, thaw burst --sigv4)"
                .into(),
        ),
        _ => (
            Verdict::Fail,
            " (the function or its front failed: see its logs)".into(),
        ),
    };
    Check::new(
        NAME,
        verdict,
        format!("{url} answered {status}{note} in {ms:.0} ms; {probe}"),
    )
}

/// Whether the open-file limit leaves room for a burst of `requests` (one socket each).
pub fn open_files(requests: u32) -> Check {
    const NAME: &str = "open files";
    let needed = u64::from(requests) + SPARE_FILES;
    match rlimit::getrlimit(rlimit::Resource::NOFILE) {
        // thaw raises the soft limit to the hard one when it starts: the hard one counts.
        Ok((_, hard)) if hard >= needed => Check::new(
            NAME,
            Verdict::Pass,
            format!(
                "limit {hard}: room for bursts of up to {}",
                hard - SPARE_FILES
            ),
        ),
        Ok((_, hard)) => Check::new(
            NAME,
            Verdict::Fail,
            format!(
                "limit {hard} is below the {needed} a burst of {requests} needs: raise the hard limit (ulimit -Hn, or nofile in /etc/security/limits.conf), or fire fewer"
            ),
        ),
        Err(e) => Check::new(NAME, Verdict::Warn, format!("cannot read the limit ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ProbeFields;
    use crate::ids::{EnvId, RequestId};

    fn observed(status: Option<u16>, probe: bool) -> RequestObserved {
        RequestObserved {
            id: RequestId("1".into()),
            planned_us: 0,
            sent_us: 0,
            first_byte_us: Some(40_000),
            end_us: 42_000,
            connect_us: None,
            status,
            bytes: 2,
            error: status.is_none().then_some(crate::event::ErrorKind::Refused),
            probe: probe.then(|| ProbeFields {
                env: EnvId("5f0c1d2e".repeat(4)),
                cold: true,
                init_ms: Some(120.0),
                invocations: Some(1),
            }),
            class: None,
            said: None,
        }
    }

    #[test]
    fn an_answer_with_probe_headers_names_the_environment() {
        let c = answered("http://x/", &observed(Some(200), true));
        assert_eq!(c.verdict, Verdict::Pass);
        assert!(
            c.detail
                .contains("answered 200 in 42 ms; probe headers: environment 5f0c1d2e (cold)"),
            "{}",
            c.detail
        );
        let c = answered("http://x/", &observed(Some(200), false));
        assert!(c.detail.contains("no probe headers"), "{}", c.detail);
    }

    #[test]
    fn denied_and_refused_say_what_to_do() {
        let c = answered("http://x/", &observed(Some(403), false));
        assert_eq!(c.verdict, Verdict::Fail);
        assert!(c.detail.contains("--sigv4"), "{}", c.detail);
        let c = answered("http://x/", &observed(None, false));
        assert!(
            c.detail.contains("did not answer (refused)"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn the_open_file_limit_is_enough_for_a_small_burst_and_not_for_an_absurd_one() {
        assert_eq!(open_files(10).verdict, Verdict::Pass);
        let (_, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        if hard < u64::from(u32::MAX) {
            assert_eq!(open_files(u32::MAX).verdict, Verdict::Fail);
        }
    }
}
