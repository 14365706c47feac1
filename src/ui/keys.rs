//! The key table: `(mode, key) -> action`, every binding once. The help overlay, the
//! status line's hints and the notices for keys of another mode are drawn from it, so
//! they cannot drift from what the keys do.

use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::PlanKind;

/// Which screen a key is read on: the meaning of `+` or `p` depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// Watching something live: the emulator, an endpoint or AWS.
    Live,
    /// Playing a recording: no firing; pause, speed and seek drive the playback.
    Replay,
    /// Two emulated models side by side: one plan fired at both.
    Compare,
}

impl KeyMode {
    pub const ALL: [Self; 3] = [Self::Live, Self::Replay, Self::Compare];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Replay => "replay",
            Self::Compare => "compare",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Self::Live => 1,
            Self::Replay => 2,
            Self::Compare => 4,
        }
    }
}

/// A set of modes, for a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes(u8);

impl Modes {
    const LIVE: Self = Self(1);
    const REPLAY: Self = Self(2);
    const FIRING: Self = Self(1 | 4);
    /// Live or replay: one session's traffic (not a comparison of two).
    const ONE_SESSION: Self = Self(1 | 2);
    const ALL: Self = Self(1 | 2 | 4);

    pub fn contains(self, mode: KeyMode) -> bool {
        self.0 & mode.bit() != 0
    }
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Fire,
    Stop,
    PlanKind(PlanKind),
    NextPlanKind,
    MoreRequests,
    FewerRequests,
    LongerSleep,
    ShorterSleep,
    ToggleKeepWarm,
    TogglePause,
    ToggleFreeze,
    Clear,
    NextTheme,
    ReclaimIdle,
    MoreProvisioned,
    FewerProvisioned,
    Select(Direction),
    /// The hero panel: grid or lanes.
    ToggleView,
    /// Lanes: more or less time across the width; back to following now.
    ZoomOut,
    ZoomIn,
    FollowNow,
    /// The concurrency chart: the last minute per second, or 15 min, 1 h, 3 h per minute.
    NextHorizon,
    /// What should I set? `thaw whatif` of the session so far.
    Sizing,
    /// Replay: pause or resume the playback; faster, slower.
    TogglePlayback,
    Faster,
    Slower,
    /// Replay: back / forward 10 s, from the start.
    SeekBack,
    SeekForward,
    Restart,
    ToggleHelp,
    /// Closes the help overlay when open, else quits.
    Back,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// One row of the table: the keys, the modes they work in, what they do, and the status
/// line's short hint.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub modes: Modes,
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
    pub hint: Option<&'static str>,
}

const fn bind(
    keys: &'static [KeyCode],
    modes: Modes,
    label: &'static str,
    help: &'static str,
    action: Action,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
        modes,
        label,
        help,
        action,
        hint,
    }
}

/// Every key, in the order the help overlay lists them.
pub const BINDINGS: &[Binding] = &[
    bind(
        &[KeyCode::Enter, KeyCode::Char('b')],
        Modes::FIRING,
        "⏎ b",
        "fire the burst plan",
        Action::Fire,
        Some("fire"),
    ),
    bind(
        &[KeyCode::Char('x')],
        Modes::FIRING,
        "x",
        "stop the running burst",
        Action::Stop,
        None,
    ),
    bind(
        &[KeyCode::Char('1')],
        Modes::FIRING,
        "1",
        "mode: parallel (all N at one instant)",
        Action::PlanKind(PlanKind::Parallel),
        None,
    ),
    bind(
        &[KeyCode::Char('2')],
        Modes::FIRING,
        "2",
        "mode: serial (one after another)",
        Action::PlanKind(PlanKind::Serial),
        None,
    ),
    bind(
        &[KeyCode::Char('3')],
        Modes::FIRING,
        "3",
        "mode: ramp (concurrency 1 to N)",
        Action::PlanKind(PlanKind::Ramp),
        None,
    ),
    bind(
        &[KeyCode::Char('4')],
        Modes::FIRING,
        "4",
        "mode: rate (N per second, open model)",
        Action::PlanKind(PlanKind::Rate),
        None,
    ),
    bind(
        &[KeyCode::Char('m'), KeyCode::Tab],
        Modes::FIRING,
        "m",
        "next mode",
        Action::NextPlanKind,
        Some("mode"),
    ),
    bind(
        &[KeyCode::Char('+'), KeyCode::Char('=')],
        Modes::FIRING,
        "+",
        "more requests (N)",
        Action::MoreRequests,
        Some("N+"),
    ),
    bind(
        &[KeyCode::Char('+'), KeyCode::Char('=')],
        Modes::REPLAY,
        "+",
        "faster playback",
        Action::Faster,
        Some("faster"),
    ),
    bind(
        &[KeyCode::Char('-'), KeyCode::Char('_')],
        Modes::FIRING,
        "-",
        "fewer requests (N)",
        Action::FewerRequests,
        Some("N-"),
    ),
    bind(
        &[KeyCode::Char('-'), KeyCode::Char('_')],
        Modes::REPLAY,
        "-",
        "slower playback",
        Action::Slower,
        Some("slower"),
    ),
    bind(
        &[KeyCode::Char(']')],
        Modes::FIRING,
        "]",
        "longer function sleep",
        Action::LongerSleep,
        Some("sleep"),
    ),
    bind(
        &[KeyCode::Char('[')],
        Modes::FIRING,
        "[",
        "shorter function sleep",
        Action::ShorterSleep,
        None,
    ),
    bind(
        &[KeyCode::Char('w')],
        Modes::FIRING,
        "w",
        "keep-warm on/off (N parallel, every interval)",
        Action::ToggleKeepWarm,
        Some("keep-warm"),
    ),
    bind(
        &[KeyCode::Char('p')],
        Modes::FIRING,
        "p",
        "pause/resume keep-warm and firing",
        Action::TogglePause,
        None,
    ),
    bind(
        &[KeyCode::Char('p'), KeyCode::Char(' ')],
        Modes::REPLAY,
        "p",
        "pause/resume the playback",
        Action::TogglePlayback,
        Some("pause"),
    ),
    bind(
        &[KeyCode::Char('f')],
        Modes::ALL,
        "f",
        "freeze/unfreeze the view",
        Action::ToggleFreeze,
        Some("freeze"),
    ),
    bind(
        &[KeyCode::Char('c')],
        Modes::FIRING,
        "c",
        "clear counters, charts and grid",
        Action::Clear,
        Some("clear"),
    ),
    bind(
        &[KeyCode::Char('t')],
        Modes::ALL,
        "t",
        "next theme (default, presentation, mono)",
        Action::NextTheme,
        Some("theme"),
    ),
    bind(
        &[KeyCode::Char('r')],
        Modes::LIVE,
        "r",
        "emulator: reclaim idle environments now",
        Action::ReclaimIdle,
        None,
    ),
    bind(
        &[KeyCode::Char('>')],
        Modes::LIVE,
        ">",
        "emulator: one more provisioned environment",
        Action::MoreProvisioned,
        None,
    ),
    bind(
        &[KeyCode::Char('<')],
        Modes::LIVE,
        "<",
        "emulator: one fewer provisioned environment",
        Action::FewerProvisioned,
        None,
    ),
    bind(
        &[KeyCode::Left, KeyCode::Char('h')],
        Modes::ALL,
        "← h",
        "select the environment to the left (lanes: earlier)",
        Action::Select(Direction::Left),
        None,
    ),
    bind(
        &[KeyCode::Right, KeyCode::Char('l')],
        Modes::ALL,
        "→ l",
        "select the environment to the right (lanes: later)",
        Action::Select(Direction::Right),
        None,
    ),
    bind(
        &[KeyCode::Up, KeyCode::Char('k')],
        Modes::ALL,
        "↑ k",
        "select the environment above",
        Action::Select(Direction::Up),
        None,
    ),
    bind(
        &[KeyCode::Down, KeyCode::Char('j')],
        Modes::ALL,
        "↓ j",
        "select the environment below",
        Action::Select(Direction::Down),
        None,
    ),
    bind(
        &[KeyCode::Char('v')],
        Modes::ALL,
        "v",
        "view: environment grid or lanes over time",
        Action::ToggleView,
        Some("lanes"),
    ),
    bind(
        &[KeyCode::Char('z')],
        Modes::ALL,
        "z",
        "lanes: zoom out (10 s, 1 min, 5 min, 15 min, 1 h)",
        Action::ZoomOut,
        None,
    ),
    bind(
        &[KeyCode::Char('Z')],
        Modes::ALL,
        "Z",
        "lanes: zoom in",
        Action::ZoomIn,
        None,
    ),
    bind(
        &[KeyCode::Char('H')],
        Modes::ALL,
        "H",
        "concurrency chart: 1 min per second, 15 min, 1 h, 3 h per minute (CloudWatch)",
        Action::NextHorizon,
        None,
    ),
    bind(
        &[KeyCode::Char('W')],
        Modes::ONE_SESSION,
        "W",
        "what should I set? the sizing table (thaw whatif) of this session's traffic",
        Action::Sizing,
        None,
    ),
    bind(
        &[KeyCode::End],
        Modes::ALL,
        "End",
        "lanes: back to now, following it",
        Action::FollowNow,
        None,
    ),
    bind(
        &[KeyCode::Char(',')],
        Modes::REPLAY,
        ",",
        "back 10 s",
        Action::SeekBack,
        Some("back 10 s"),
    ),
    bind(
        &[KeyCode::Char('.')],
        Modes::REPLAY,
        ".",
        "forward 10 s",
        Action::SeekForward,
        Some("on 10 s"),
    ),
    bind(
        &[KeyCode::Char('0')],
        Modes::REPLAY,
        "0",
        "from the start",
        Action::Restart,
        Some("start over"),
    ),
    bind(
        &[KeyCode::Char('?')],
        Modes::ALL,
        "?",
        "this help",
        Action::ToggleHelp,
        Some("help"),
    ),
    bind(
        &[KeyCode::Esc],
        Modes::ALL,
        "Esc",
        "close help, else quit",
        Action::Back,
        None,
    ),
    bind(
        &[KeyCode::Char('q')],
        Modes::ALL,
        "q",
        "quit (also Ctrl-C)",
        Action::Quit,
        Some("quit"),
    ),
];

/// What a key press means in `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Action(Action),
    /// The key means something in other modes only (a notice says what this one offers).
    OtherMode,
    Unbound,
}

/// The meaning of a key press in `mode`. Ctrl-C always quits.
pub fn lookup(mode: KeyMode, key: KeyEvent) -> Lookup {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return if matches!(key.code, KeyCode::Char('c' | 'C')) {
            Lookup::Action(Action::Quit)
        } else {
            Lookup::Unbound
        };
    }
    let mut bound = BINDINGS.iter().filter(|b| b.keys.contains(&key.code));
    match bound.clone().find(|b| b.modes.contains(mode)) {
        Some(b) => Lookup::Action(b.action),
        None if bound.next().is_some() => Lookup::OtherMode,
        None => Lookup::Unbound,
    }
}

/// The bindings of one mode, in the table's order.
pub fn of_mode(mode: KeyMode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.modes.contains(mode))
}

/// The status line's hints of one mode: `(label, hint)`.
pub fn hints(mode: KeyMode) -> impl Iterator<Item = (&'static str, &'static str)> {
    of_mode(mode).filter_map(|b| b.hint.map(|h| (b.label, h)))
}

/// The first key of `action` in `mode` as the help shows it (`⏎` for fire).
pub fn key_of(mode: KeyMode, action: Action) -> Option<&'static str> {
    of_mode(mode)
        .find(|b| b.action == action)
        .and_then(|b| b.label.split(' ').next())
}

/// The burst panel's own hint: its keys in `mode` (` ⏎ fire  m mode  +/- N  [/] sleep `),
/// empty where none applies (a replay). Made once per mode: the panel draws it each frame.
pub fn burst_hint(mode: KeyMode) -> &'static str {
    static HINTS: std::sync::OnceLock<[String; 3]> = std::sync::OnceLock::new();
    let hints = HINTS.get_or_init(|| KeyMode::ALL.map(burst_hint_of));
    let i = KeyMode::ALL.iter().position(|m| *m == mode).unwrap_or(0);
    &hints[i]
}

fn burst_hint_of(mode: KeyMode) -> String {
    const PANEL: [(&[Action], &str); 4] = [
        (&[Action::Fire], "fire"),
        (&[Action::NextPlanKind], "mode"),
        (&[Action::MoreRequests, Action::FewerRequests], "N"),
        (&[Action::ShorterSleep, Action::LongerSleep], "sleep"),
    ];
    let mut out = String::new();
    for (actions, what) in PANEL {
        let keys: Vec<&str> = actions.iter().filter_map(|a| key_of(mode, *a)).collect();
        if !keys.is_empty() {
            let _ = write!(out, " {} {what} ", keys.join("/"));
        }
    }
    out
}

/// The hints of the keys only `mode` has, as one line, for a notice: what a key pressed
/// in the wrong mode points to.
pub fn hint_text(mode: KeyMode) -> String {
    of_mode(mode)
        .filter(|b| {
            KeyMode::ALL
                .iter()
                .all(|m| *m == mode || !b.modes.contains(*m))
        })
        .filter_map(|b| b.hint.map(|h| format!("{} {h}", b.label)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The whole table as text, one line per binding and mode set: for the snapshot that
/// catches a key changed by accident.
pub fn table() -> String {
    let mut out = String::new();
    for mode in KeyMode::ALL {
        let _ = writeln!(out, "[{}]", mode.as_str());
        for b in of_mode(mode) {
            let keys: Vec<String> = b.keys.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                out,
                "{:<18} {:<22} {}{}",
                keys.join(" "),
                format!("{:?}", b.action),
                b.help,
                b.hint.map(|h| format!("  [{h}]")).unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
