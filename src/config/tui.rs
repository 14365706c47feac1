//! The terminal UI's settings: frame rate, theme and the burst panel's starting values.

use serde::{Deserialize, Serialize};

/// Colours and sizes of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeName {
    Default,
    /// Large digits and high contrast, for a projector.
    Presentation,
    /// No colour at all (what `NO_COLOR` selects).
    Mono,
}

impl ThemeName {
    pub const ALL: [Self; 3] = [Self::Default, Self::Presentation, Self::Mono];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Presentation => "presentation",
            Self::Mono => "mono",
        }
    }

    /// The next theme in [`Self::ALL`], for the cycle key.
    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// How the burst panel fires its N requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanKind {
    /// All N released at one instant.
    Parallel,
    /// N one after another on one connection.
    Serial,
    /// Concurrency from 1 to N over `ramp_s`.
    Ramp,
    /// N requests per second for `rate_s`, whatever the responses do.
    Rate,
}

impl PlanKind {
    pub const ALL: [Self; 4] = [Self::Parallel, Self::Serial, Self::Ramp, Self::Rate];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parallel => "parallel",
            Self::Serial => "serial",
            Self::Ramp => "ramp",
            Self::Rate => "rate",
        }
    }
}

/// `[tui]`: the live screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TuiConfig {
    /// Frames per second at most; the screen is redrawn only when something changed.
    pub fps: u16,
    pub theme: ThemeName,
    /// The burst panel's starting values.
    pub mode: PlanKind,
    pub requests: u32,
    /// The function's duration per request, in ms, sent as `?sleep_ms=` (the emulator's
    /// builtin handler and thaw's probe functions honour it). 0 sends nothing.
    pub sleep_ms: u32,
    /// A ramp reaches N over this many seconds.
    pub ramp_s: u32,
    /// A rate step lasts this many seconds.
    pub rate_s: u32,
    /// Keep-warm fires N parallel requests this often.
    pub keep_warm_every_s: u32,
}

impl Default for TuiConfig {
    fn default() -> Self {
        Self {
            fps: 30,
            theme: ThemeName::Default,
            mode: PlanKind::Parallel,
            requests: 50,
            sleep_ms: 100,
            ramp_s: 10,
            rate_s: 10,
            keep_warm_every_s: 60,
        }
    }
}
