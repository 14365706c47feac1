//! What flows back from the screen to the sources: the only thing that does.

use serde::{Deserialize, Serialize};

use crate::plan::Plan;

/// What the UI asks of the sources: the only thing that flows back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// Fire a plan; `sleep_ms` is the function's duration asked for in the query
    /// (0: none).
    Fire {
        plan: Plan,
        #[serde(default)]
        sleep_ms: u32,
    },
    /// Start (or, with `None`, stop) keep-warm: `keep-warm N every S`.
    KeepWarm {
        plan: Option<Plan>,
        #[serde(default)]
        sleep_ms: u32,
    },
    /// Stop the burst in progress.
    Stop,
    /// Pause or resume sources that can pause (replay, keep-warm).
    SetPaused {
        paused: bool,
    },
    /// Forget what was seen so far (counters, histograms, grid).
    Clear,
    /// Emulator control.
    Emulator(EmulatorCommand),
    /// A replay's pause, speed and seek keys.
    Replay(ReplayCommand),
    /// Work out `thaw whatif`'s table for the session's traffic so far.
    Sizing,
    Quit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum EmulatorCommand {
    /// Reclaim every idle on-demand environment now, as if their idle time had passed.
    ReclaimIdle,
    /// Change provisioned concurrency: environments are added (Init in the background)
    /// or idle ones removed.
    SetProvisioned { count: u32 },
    /// Set (`Some`) or remove reserved concurrency.
    SetReserved { count: Option<u32> },
}

/// What the replay keys ask for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayCommand {
    TogglePause,
    Faster,
    Slower,
    /// Moves the position by this many µs (negative: back).
    Seek(i64),
    /// Back to the start.
    Restart,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip() {
        for cmd in [
            Command::Fire {
                plan: "parallel 5".parse().unwrap(),
                sleep_ms: 100,
            },
            Command::KeepWarm {
                plan: Some("keep-warm 5 every 60s".parse().unwrap()),
                sleep_ms: 0,
            },
            Command::KeepWarm {
                plan: None,
                sleep_ms: 0,
            },
            Command::SetPaused { paused: true },
            Command::Emulator(EmulatorCommand::SetProvisioned { count: 3 }),
            Command::Emulator(EmulatorCommand::ReclaimIdle),
        ] {
            let s = serde_json::to_string(&cmd).unwrap();
            assert_eq!(serde_json::from_str::<Command>(&s).unwrap(), cmd);
        }
    }
}
