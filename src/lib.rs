//! thaw: a terminal monitor for AWS Lambda execution environments.
//!
//! The modules below are the layers, bottom-up: each uses only those listed before it
//! (`scripts/layers` checks it). Data flows up from the sources as [`event::Event`]s into
//! the [`state::State`] fold the screen reads; [`command::Command`]s flow back down.
//!
//! Without the `app` feature only the release engine's layers are built (ids, clock,
//! lambda, event, plan, logs, probe, classify, burst): what the burst worker links.

pub mod ids; // EnvId, RequestId, Stamp: what every layer carries
pub mod clock; // the session clock every source stamps its events with
pub mod lambda; // Lambda's and CloudWatch's names: invocation types, metrics
pub mod event; // the Event schema, and EventSink where sources send them
pub mod plan; // burst plans as values: what the screen asks for and the engine runs
#[cfg(feature = "app")]
pub mod command; // Command (screen -> sources), EmulatorCommand, ReplayCommand
#[cfg(feature = "app")]
pub mod link; // what a running session hands the screen: its kind, feeds, a command sender
#[cfg(feature = "app")]
pub mod stop; // SIGINT, SIGTERM and SIGHUP as one stream
#[cfg(feature = "app")]
pub mod histogram; // fixed-size latency histograms
#[cfg(feature = "app")]
pub mod config; // the model and its layers: defaults < profile < file < THAW_* < flags
pub mod logs; // Lambda log lines -> lifecycle events (AWS sources, emulator, import)
#[cfg(feature = "app")]
pub mod state; // the pure fold: environments, counters, series, histograms
pub mod probe; // the response headers that name the environment that served a request
pub mod classify; // cold or warm per response: probe headers, else latency
#[cfg(feature = "app")]
pub mod emulator; // the embedded Lambda platform: gateway -> platform task -> pure core
pub mod burst; // plans, pre-serialized requests, the release engine
#[cfg(feature = "app")]
pub mod record; // the recording format: writer, reader, redaction, CloudWatch Logs import
#[cfg(feature = "app")]
pub mod sources; // emulator control, AWS metrics and logs, replay
#[cfg(feature = "app")]
pub mod summary; // the end-of-run summary of `thaw burst`, read from state
#[cfg(feature = "app")]
pub mod whatif; // a recording's traffic through the platform model under other settings, priced
#[cfg(feature = "app")]
pub mod report; // one self-contained HTML page from a recording
#[cfg(feature = "app")]
pub mod doctor; // `thaw doctor`: each thing watching AWS needs, checked by a real call
#[cfg(feature = "app")]
pub mod session; // starts what a session needs; hands back a link: events, commands, a kind
#[cfg(feature = "app")]
pub mod ui; // the screen: reads State, turns keys into Commands; starts nothing
#[cfg(feature = "app")]
pub mod fuzz; // byte-level entry points of the input readers, for fuzz/
#[cfg(feature = "app")]
pub mod cli; // clap; builds a session, runs the screen or a headless command
