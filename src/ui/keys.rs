//! The key table: every binding, once. The help overlay and the status line's hints are
//! drawn from it, so they cannot drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::BurstMode;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Fire,
    Stop,
    Mode(BurstMode),
    NextMode,
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

/// One row of the table: the keys, what they do, and the status line's short hint.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub help: &'static str,
    pub action: Action,
    pub hint: Option<&'static str>,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    help: &'static str,
    action: Action,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        keys,
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
        "⏎ b",
        "fire the burst plan",
        Action::Fire,
        Some("fire"),
    ),
    bind(
        &[KeyCode::Char('x')],
        "x",
        "stop the running burst",
        Action::Stop,
        None,
    ),
    bind(
        &[KeyCode::Char('1')],
        "1",
        "mode: parallel (all N at one instant)",
        Action::Mode(BurstMode::Parallel),
        None,
    ),
    bind(
        &[KeyCode::Char('2')],
        "2",
        "mode: serial (one after another)",
        Action::Mode(BurstMode::Serial),
        None,
    ),
    bind(
        &[KeyCode::Char('3')],
        "3",
        "mode: ramp (concurrency 1 to N)",
        Action::Mode(BurstMode::Ramp),
        None,
    ),
    bind(
        &[KeyCode::Char('4')],
        "4",
        "mode: rate (N per second, open model)",
        Action::Mode(BurstMode::Rate),
        None,
    ),
    bind(
        &[KeyCode::Char('m'), KeyCode::Tab],
        "m",
        "next mode",
        Action::NextMode,
        Some("mode"),
    ),
    bind(
        &[KeyCode::Char('+'), KeyCode::Char('=')],
        "+",
        "more requests (N); replay: faster",
        Action::MoreRequests,
        Some("N+"),
    ),
    bind(
        &[KeyCode::Char('-'), KeyCode::Char('_')],
        "-",
        "fewer requests (N); replay: slower",
        Action::FewerRequests,
        Some("N-"),
    ),
    bind(
        &[KeyCode::Char(']')],
        "]",
        "longer function sleep",
        Action::LongerSleep,
        Some("sleep"),
    ),
    bind(
        &[KeyCode::Char('[')],
        "[",
        "shorter function sleep",
        Action::ShorterSleep,
        None,
    ),
    bind(
        &[KeyCode::Char('w')],
        "w",
        "keep-warm on/off (N parallel, every interval)",
        Action::ToggleKeepWarm,
        Some("keep-warm"),
    ),
    bind(
        &[KeyCode::Char('p')],
        "p",
        "pause/resume keep-warm and firing; replay: the playback",
        Action::TogglePause,
        None,
    ),
    bind(
        &[KeyCode::Char('f')],
        "f",
        "freeze/unfreeze the view",
        Action::ToggleFreeze,
        Some("freeze"),
    ),
    bind(
        &[KeyCode::Char('c')],
        "c",
        "clear counters, charts and grid",
        Action::Clear,
        Some("clear"),
    ),
    bind(
        &[KeyCode::Char('t')],
        "t",
        "next theme (default, presentation, mono)",
        Action::NextTheme,
        Some("theme"),
    ),
    bind(
        &[KeyCode::Char('r')],
        "r",
        "emulator: reclaim idle environments now",
        Action::ReclaimIdle,
        None,
    ),
    bind(
        &[KeyCode::Char('>')],
        ">",
        "emulator: one more provisioned environment",
        Action::MoreProvisioned,
        None,
    ),
    bind(
        &[KeyCode::Char('<')],
        "<",
        "emulator: one fewer provisioned environment",
        Action::FewerProvisioned,
        None,
    ),
    bind(
        &[KeyCode::Left, KeyCode::Char('h')],
        "← h",
        "select the environment to the left",
        Action::Select(Direction::Left),
        None,
    ),
    bind(
        &[KeyCode::Right, KeyCode::Char('l')],
        "→ l",
        "select the environment to the right",
        Action::Select(Direction::Right),
        None,
    ),
    bind(
        &[KeyCode::Up, KeyCode::Char('k')],
        "↑ k",
        "select the environment above",
        Action::Select(Direction::Up),
        None,
    ),
    bind(
        &[KeyCode::Down, KeyCode::Char('j')],
        "↓ j",
        "select the environment below",
        Action::Select(Direction::Down),
        None,
    ),
    bind(
        &[KeyCode::Char(',')],
        ",",
        "replay: back 10 s",
        Action::SeekBack,
        None,
    ),
    bind(
        &[KeyCode::Char('.')],
        ".",
        "replay: forward 10 s",
        Action::SeekForward,
        None,
    ),
    bind(
        &[KeyCode::Char('0')],
        "0",
        "replay: from the start",
        Action::Restart,
        None,
    ),
    bind(
        &[KeyCode::Char('?')],
        "?",
        "this help",
        Action::ToggleHelp,
        Some("help"),
    ),
    bind(
        &[KeyCode::Esc],
        "Esc",
        "close help, else quit",
        Action::Back,
        None,
    ),
    bind(
        &[KeyCode::Char('q')],
        "q",
        "quit (also Ctrl-C)",
        Action::Quit,
        Some("quit"),
    ),
];

/// The action for a key press, if any. Ctrl-C always quits.
pub fn action(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'C')).then_some(Action::Quit);
    }
    BINDINGS
        .iter()
        .find(|b| b.keys.contains(&key.code))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_key_is_bound_once() {
        let mut seen = Vec::new();
        for b in BINDINGS {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} is bound twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action(press(KeyCode::Enter)), Some(Action::Fire));
        assert_eq!(
            action(press(KeyCode::Char('2'))),
            Some(Action::Mode(BurstMode::Serial))
        );
        assert_eq!(action(press(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(action(press(KeyCode::Char('Z'))), None);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action(ctrl_c), Some(Action::Quit));
        // Plain `c` clears; only Ctrl-C quits.
        assert_eq!(action(press(KeyCode::Char('c'))), Some(Action::Clear));
    }
}
