//! Where a run fires: the Lambda API (`lambda:NAME`), an HTTP endpoint, or the embedded
//! emulator started for it. The screen and `thaw burst` open their target here, so a
//! `lambda:` target, a path on the emulator or a signed function URL mean the same in
//! both.

use crate::burst::lambda::{self, InvocationType, LambdaTarget};
use crate::burst::sigv4::Signer;
use crate::burst::{RequestSpec, Target};
use crate::clock::Clock;
use crate::config::EmulatorConfig;
use crate::emulator::Emulator;
use crate::event::EventSink;

use super::SessionError;

/// What the user pointed the run at.
#[derive(Debug, Clone, Default)]
pub struct Aim {
    /// `lambda:NAME[:QUALIFIER]`, an http(s) URL, a path on the embedded emulator
    /// (`/?sleep_ms=100`), or nothing (the emulator's `/`).
    pub url: Option<String>,
    /// `lambda:` targets: the Lambda API's endpoint (a running `thaw emulate`).
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    /// `lambda:` targets: how to invoke.
    pub invocation: InvocationType,
    /// Sign requests to an HTTP endpoint for this service (a function URL with IAM auth).
    pub sigv4: Option<String>,
    /// Without a URL: start the embedded emulator (`false`: only watch, as a screen
    /// watching AWS does).
    pub emulate: bool,
}

/// The target, opened.
pub struct Opened {
    /// Where requests go; `None` when the run only watches.
    pub target: Option<Target>,
    /// The request, made an `Invoke` for a `lambda:` target.
    pub spec: RequestSpec,
    pub signer: Option<Signer>,
    /// The emulator started for the run (its events go to the sink given).
    pub emulator: Option<Emulator>,
    /// The target as summaries, headers and the burst panel name it.
    pub shown: String,
    /// Fired through the Lambda API.
    pub lambda: bool,
}

impl Aim {
    /// Whether the run fires at an emulator of its own.
    pub fn embedded(&self) -> bool {
        match self.url.as_deref() {
            None => self.emulate,
            Some(url) => url.starts_with('/'),
        }
    }
}

/// Opens `aim`: connects and signs a `lambda:` target, parses an endpoint, or starts the
/// emulator (`emulator` gives its settings, read only then) with its events to `sink`.
pub async fn open(
    aim: &Aim,
    spec: RequestSpec,
    emulator: impl FnOnce() -> Result<EmulatorConfig, String>,
    clock: Clock,
    sink: &EventSink,
) -> Result<Opened, SessionError> {
    let url = aim.url.as_deref();
    if let Some(l) = url.map(LambdaTarget::parse).transpose()?.flatten() {
        let (target, signer) = lambda::connect(&l, aim.endpoint_url.as_deref(), aim.region.clone())
            .await
            .map_err(SessionError::Lambda)?;
        return Ok(Opened {
            shown: format!("{} at {}", url.unwrap_or_default(), target.authority()),
            spec: l.spec(spec, aim.invocation),
            target: Some(target),
            signer: Some(signer),
            emulator: None,
            lambda: true,
        });
    }
    if aim.endpoint_url.is_some() {
        return Err(SessionError::Input(
            "--endpoint-url is for lambda:NAME targets; for an HTTP endpoint give its URL".into(),
        ));
    }
    let path = match url {
        Some(path) if path.starts_with('/') => path,
        Some(url) => {
            let target = Target::parse(url)?;
            let signer = match &aim.sigv4 {
                Some(service) => Some(
                    Signer::from_chain(&target, aim.region.clone(), service)
                        .await
                        .map_err(SessionError::Input)?,
                ),
                None => None,
            };
            return Ok(Opened {
                shown: target.url.clone(),
                target: Some(target),
                spec,
                signer,
                emulator: None,
                lambda: false,
            });
        }
        None if !aim.emulate => {
            return Ok(Opened {
                target: None,
                spec,
                signer: None,
                emulator: None,
                shown: String::new(),
                lambda: false,
            });
        }
        None => "/",
    };
    let cfg = emulator().map_err(SessionError::Input)?;
    let e = Emulator::start(cfg, clock, sink.clone()).await?;
    let target = Target::parse(&format!("{}{path}", e.url()))?;
    Ok(Opened {
        shown: target.url.clone(),
        target: Some(target),
        spec,
        signer: None,
        emulator: Some(e),
        lambda: false,
    })
}
