//! Sources: tasks that observe something and send [`Event`]s into the one channel.
//! (The emulator is a source too; it lives in `crate::emulator`.)

pub mod aws;
pub mod cloudwatch;
pub mod control;
pub mod fanout;
pub mod function;
pub mod logs;
pub mod replay;
