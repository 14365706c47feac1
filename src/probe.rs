//! The probe headers: how a response says which execution environment served it.
//!
//! The emulator sets them on every response an environment produced; the probe functions
//! in `assets/probe/` set the same on real AWS. Names are lower case (HTTP/2 and API
//! Gateway lower-case them anyway).

/// The environment's id: 32 hex digits, made once per environment at Init.
pub const ENV: &str = "x-thaw-env";
/// `true` when this invocation waited for the environment's Init (a cold start).
pub const COLD: &str = "x-thaw-cold";
/// The environment's Init Duration in milliseconds (decimal).
pub const INIT_MS: &str = "x-thaw-init-ms";
/// How many invocations the environment has served, this one included.
pub const INVOCATIONS: &str = "x-thaw-invocations";
/// `AWS_LAMBDA_INITIALIZATION_TYPE`: `on-demand`, `provisioned-concurrency`, `snap-start`.
pub const INIT_TYPE: &str = "x-thaw-init-type";
