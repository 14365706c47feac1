//! Lambda's log lines, in both log formats, turned into lifecycle events: the AWS Logs
//! source, the emulator's own lines and `thaw import` all read them through this one
//! parser and translator.

pub mod parse;
pub mod translate;
