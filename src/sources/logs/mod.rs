//! CloudWatch Logs as a source: the function's log group, read with Live Tail where the
//! service offers it, else by polling `FilterLogEvents`; every line goes through the same
//! parser and translator, so the grid works on AWS as on the emulator.

pub mod parse;
pub mod translate;
