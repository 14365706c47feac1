//! The integration tests, one binary (one link for the whole suite). Each module talks to
//! real things: the emulator over HTTP, `thaw` itself, moto and LocalStack, tmux.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

mod aws_errors;
mod aws_history;
mod aws_live_tail;
mod aws_logs;
mod aws_metrics;
mod burst;
mod cli_burst;
mod cli_emulate;
mod cli_help;
mod config_files;
mod control;
mod deploy_checks;
mod doctor;
mod emulator_cloudwatch;
mod emulator_fidelity;
mod fuzz_corpus;
mod import;
mod fanout;
mod lambda_api;
mod lambda_api_clients;
mod lambda_streaming;
mod logs_from_emulator;
mod probes;
mod process_handler;
mod readme_lines;
mod record_replay;
mod report;
mod runtime_api;
mod scale;
mod scenarios;
mod session;
mod state_memory;
mod tidy_target;
mod tui_aws_tmux;
mod tui_record_tmux;
mod tui_render;
mod tui_snapshots;
mod tui_tmux;
mod whatif;
