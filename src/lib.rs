//! thaw: a terminal monitor for AWS Lambda execution environments.
//!
//! Data flows one way (DESIGN.md):
//!
//! - `emulator`  the embedded Lambda platform (gateway + scheduler); a source of events
//! - `sources`   where sources send their events (`EventSink`)
//! - `event`     the one `Event` type that crosses from sources to the app; `Command` back
//! - `state`     a pure fold of events: environments, counters, series, histograms
//! - `config`    configuration: defaults < profile < file < `THAW_*` < flags
//! - `burst`     the load generator: plans, barrier release, one event per request
//! - `classify`  cold or warm per response: probe headers, else inferred from latency
//! - `probe`     the response headers that name the environment that served a request
//! - `histogram` fixed-size latency histograms
//! - `summary`   the end-of-run summary of `thaw burst`, read from `state`
//! - `fuzz`      byte-level entry points of the input readers, for `fuzz/` and its corpus test
//! - `cli`       the command line (`thaw emulate`, ...), used by `main.rs`

pub mod burst;
pub mod classify;
pub mod cli;
pub mod config;
pub mod emulator;
pub mod event;
pub mod fuzz;
pub mod histogram;
pub mod probe;
pub mod record;
pub mod sources;
pub mod state;
pub mod stop;
pub mod summary;
pub mod ui;
