//! The view's own state (the burst panel, selection, overlays, theme) and what each key
//! does to it. Keys that reach beyond the view become [`Command`]s; nothing here touches
//! a source.

use std::time::Duration;

use crate::command::{Command, EmulatorCommand, ReplayCommand};
use crate::config::{PlanKind, ThemeName, TuiConfig};
use crate::ids::Stamp;
use crate::link::SessionKind;
use crate::plan::{Plan, Step};
use crate::state::State;

use super::history;
use super::keys::{self, Action, Direction, KeyMode};
use super::lanes::{self, LaneView};
use super::theme::Theme;

/// What the hero panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hero {
    /// Each environment's state now.
    Grid,
    /// Each environment's story over time.
    Lanes,
}

/// N steps through these (and any value typed in the config stays until changed).
const REQUEST_STEPS: &[u32] = &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];
/// The function's sleep steps, in ms.
const SLEEP_STEPS: &[u32] = &[0, 10, 50, 100, 200, 500, 1000, 2000, 5000];
/// How far a seek key moves a replay.
const SEEK_US: i64 = 10_000_000;

/// What the screen shows besides the [`State`].
#[derive(Debug, Clone)]
#[expect(clippy::struct_excessive_bools, reason = "independent view toggles")]
pub struct App {
    pub theme: Theme,
    pub plan_kind: PlanKind,
    pub requests: u32,
    pub sleep_ms: u32,
    pub ramp_s: u32,
    pub rate_s: u32,
    pub keep_warm_every_s: u32,
    pub keep_warm: bool,
    pub paused: bool,
    /// The picture is held (the panes keep what they showed when it was frozen).
    pub frozen: bool,
    pub help: bool,
    /// The selected environment, by birth order.
    pub selected: Option<u64>,
    pub hero: Hero,
    pub lanes: LaneView,
    /// The concurrency chart's horizon: an index into [`history::HORIZONS`] (the first
    /// is the last minute per second, the others per minute beside CloudWatch).
    pub horizon: usize,
    /// What the session watches, and the URL requests go to.
    pub kind: SessionKind,
    pub target: String,
    pub provisioned: u32,
    /// A message for the status line, and when it was set.
    pub notice: Option<(String, Stamp)>,
    pub quit: bool,
    /// The sizing overlay is open.
    pub sizing: bool,
}

impl App {
    pub fn new(cfg: &TuiConfig, theme: ThemeName, kind: SessionKind, target: String) -> Self {
        let provisioned = match &kind {
            SessionKind::Emulator { provisioned, .. } => *provisioned,
            _ => 0,
        };
        Self {
            theme: Theme::named(theme),
            plan_kind: cfg.mode,
            requests: cfg.requests,
            sleep_ms: cfg.sleep_ms,
            ramp_s: cfg.ramp_s,
            rate_s: cfg.rate_s,
            keep_warm_every_s: cfg.keep_warm_every_s,
            keep_warm: false,
            paused: false,
            frozen: false,
            help: false,
            selected: None,
            hero: Hero::Grid,
            lanes: LaneView::default(),
            horizon: 0,
            kind,
            target,
            provisioned,
            notice: None,
            quit: false,
            sizing: false,
        }
    }

    /// Which keys apply: decided by what the session is.
    pub fn key_mode(&self) -> KeyMode {
        match self.kind {
            SessionKind::Replay => KeyMode::Replay,
            SessionKind::Compare => KeyMode::Compare,
            _ => KeyMode::Live,
        }
    }

    /// The emulator's settings, when the target is the embedded emulator.
    pub fn emulator(&self) -> Option<&str> {
        match &self.kind {
            SessionKind::Emulator { settings, .. } => Some(settings),
            _ => None,
        }
    }

    /// A key of another mode was pressed: say what this one offers instead.
    pub fn other_mode_key(&mut self, now: Stamp) {
        let text = match self.key_mode() {
            KeyMode::Replay => format!("a replay: {}", keys::hint_text(KeyMode::Replay)),
            KeyMode::Live => "seeking is for replays (thaw replay FILE)".into(),
            KeyMode::Compare => {
                "the emulator keys are for one emulator (thaw without a command)".into()
            }
        };
        self.notify(text, now);
    }

    /// The panel's plan.
    pub fn plan(&self) -> Plan {
        let n = self.requests;
        let secs = |s: u32| Duration::from_secs(u64::from(s.max(1)));
        Plan::one(match self.plan_kind {
            PlanKind::Parallel => Step::Parallel { n },
            PlanKind::Serial => Step::Serial {
                n,
                think: Duration::ZERO,
            },
            PlanKind::Ramp => Step::Ramp {
                from: 1,
                to: n.max(2),
                over: secs(self.ramp_s),
            },
            PlanKind::Rate => Step::Rate {
                per_s: f64::from(n),
                duration: secs(self.rate_s),
            },
        })
    }

    pub fn keep_warm_plan(&self) -> Plan {
        Plan::one(Step::KeepWarm {
            n: self.requests,
            every: Duration::from_secs(u64::from(self.keep_warm_every_s.max(1))),
            duration: None,
        })
    }

    fn keep_warm_command(&self) -> Command {
        Command::KeepWarm {
            plan: self.keep_warm.then(|| self.keep_warm_plan()),
            sleep_ms: self.sleep_ms,
        }
    }

    fn notify(&mut self, text: impl Into<String>, now: Stamp) {
        self.notice = Some((text.into(), now));
    }

    /// Applies one action. `cols` is how many cells a grid row holds now (for up and
    /// down). Returns what the sources must do.
    pub fn handle(
        &mut self,
        action: Action,
        state: &State,
        cols: usize,
        now: Stamp,
    ) -> Vec<Command> {
        if self.help && !matches!(action, Action::Quit | Action::ToggleHelp | Action::Back) {
            // Any other key closes the overlay first, as in bottom and k9s.
            self.help = false;
            return Vec::new();
        }
        if self.sizing && !matches!(action, Action::Quit | Action::Sizing) {
            self.sizing = false;
            return Vec::new();
        }
        match action {
            Action::Fire => {
                self.notify(format!("fired: {}", self.plan()), now);
                return vec![Command::Fire {
                    plan: self.plan(),
                    sleep_ms: self.sleep_ms,
                }];
            }
            Action::Stop => return vec![Command::Stop],
            Action::PlanKind(m) => self.plan_kind = m,
            Action::NextPlanKind => {
                let i = PlanKind::ALL
                    .iter()
                    .position(|m| *m == self.plan_kind)
                    .unwrap_or(0);
                self.plan_kind = PlanKind::ALL[(i + 1) % PlanKind::ALL.len()];
            }
            Action::MoreRequests => self.requests = step_up(REQUEST_STEPS, self.requests),
            Action::FewerRequests => self.requests = step_down(REQUEST_STEPS, self.requests),
            Action::LongerSleep => self.sleep_ms = step_up(SLEEP_STEPS, self.sleep_ms),
            Action::ShorterSleep => self.sleep_ms = step_down(SLEEP_STEPS, self.sleep_ms),
            Action::ToggleKeepWarm => {
                self.keep_warm = !self.keep_warm;
                let msg = if self.keep_warm {
                    format!("keep-warm on: {}", self.keep_warm_plan())
                } else {
                    "keep-warm off".to_string()
                };
                self.notify(msg, now);
                return vec![self.keep_warm_command()];
            }
            Action::TogglePause => {
                self.paused = !self.paused;
                return vec![Command::SetPaused {
                    paused: self.paused,
                }];
            }
            // The screen keeps the picture while this is set.
            Action::ToggleFreeze => self.frozen = !self.frozen,
            Action::TogglePlayback => return replay(ReplayCommand::TogglePause),
            Action::Faster => return replay(ReplayCommand::Faster),
            Action::Slower => return replay(ReplayCommand::Slower),
            Action::SeekBack => return replay(ReplayCommand::Seek(-SEEK_US)),
            Action::SeekForward => return replay(ReplayCommand::Seek(SEEK_US)),
            Action::Restart => return replay(ReplayCommand::Restart),
            Action::Clear => {
                self.selected = None;
                self.notify("cleared", now);
                return vec![Command::Clear];
            }
            Action::NextTheme => {
                self.theme = Theme::named(self.theme.name.next());
                self.notify(format!("theme: {}", self.theme.name.as_str()), now);
            }
            Action::ReclaimIdle => {
                return self.emulator_command(
                    EmulatorCommand::ReclaimIdle,
                    "reclaiming idle environments",
                    now,
                );
            }
            Action::MoreProvisioned | Action::FewerProvisioned => {
                self.provisioned = if action == Action::MoreProvisioned {
                    self.provisioned.saturating_add(1)
                } else {
                    self.provisioned.saturating_sub(1)
                };
                let count = self.provisioned;
                return self.emulator_command(
                    EmulatorCommand::SetProvisioned { count },
                    &format!("provisioned concurrency: {count}"),
                    now,
                );
            }
            Action::Select(dir) => self.select(dir, state, cols, now),
            Action::Sizing => {
                self.sizing = true;
                return vec![Command::Sizing];
            }
            Action::ToggleView
            | Action::ZoomOut
            | Action::ZoomIn
            | Action::FollowNow
            | Action::NextHorizon => self.view(action),
            Action::ToggleHelp => self.help = !self.help,
            Action::Back if self.help => self.help = false,
            Action::Back | Action::Quit => {
                self.quit = true;
                return vec![Command::Quit];
            }
        }
        Vec::new()
    }

    /// The hero panel's view: grid or lanes, zoom, back to now.
    fn view(&mut self, action: Action) {
        match action {
            Action::ToggleView => {
                self.hero = match self.hero {
                    Hero::Grid => Hero::Lanes,
                    Hero::Lanes => Hero::Grid,
                };
            }
            Action::ZoomOut | Action::ZoomIn => {
                self.hero = Hero::Lanes;
                if action == Action::ZoomOut {
                    self.lanes.zoom_out();
                } else {
                    self.lanes.zoom_in();
                }
                // The chart below follows: the last minute per second up to a minute,
                // then the per-minute horizon that holds the lanes' width.
                let span = self.lanes.span_us() / 1_000_000;
                self.horizon = history::HORIZONS
                    .iter()
                    .position(|(s, _)| i64::from(*s) >= span)
                    .unwrap_or(history::HORIZONS.len() - 1);
            }
            Action::NextHorizon => {
                self.horizon = (self.horizon + 1) % history::HORIZONS.len();
            }
            Action::FollowNow => self.lanes.end_us = None,
            _ => {}
        }
    }

    fn emulator_command(&mut self, cmd: EmulatorCommand, what: &str, now: Stamp) -> Vec<Command> {
        if !self.kind.has_emulator() {
            self.notify(
                "that key controls the embedded emulator; this target is not one",
                now,
            );
            return Vec::new();
        }
        self.notify(what, now);
        vec![Command::Emulator(cmd)]
    }

    /// Moves the selection through the cells (or lanes) shown, in birth order; in the
    /// lanes, left and right move through time.
    fn select(&mut self, dir: Direction, state: &State, cols: usize, now: Stamp) {
        if self.hero == Hero::Lanes {
            match dir {
                Direction::Left => return self.lanes.earlier(now),
                Direction::Right => return self.lanes.later(now),
                Direction::Up | Direction::Down => {}
            }
        }
        let (seqs, cols): (Vec<u64>, usize) = match self.hero {
            Hero::Grid => (state.envs.rows().map(|r| r.seq).collect(), cols),
            Hero::Lanes => (
                lanes::rows(state, self.lanes, now)
                    .iter()
                    .map(|r| r.seq)
                    .collect(),
                1,
            ),
        };
        let Some(last) = seqs.len().checked_sub(1) else {
            return;
        };
        let at = self
            .selected
            .and_then(|s| seqs.iter().position(|q| *q == s));
        let cols = cols.max(1);
        let next = match (at, dir) {
            (None, _) => 0,
            (Some(i), Direction::Left) => i.saturating_sub(1),
            (Some(i), Direction::Right) => (i + 1).min(last),
            (Some(i), Direction::Up) => i.saturating_sub(cols),
            (Some(i), Direction::Down) => (i + cols).min(last),
        };
        self.selected = Some(seqs[next]);
    }

    /// Selects the environment with this birth order (a mouse click on its cell).
    pub fn select_seq(&mut self, seq: Option<u64>) {
        self.selected = seq;
    }
}

fn replay(cmd: ReplayCommand) -> Vec<Command> {
    vec![Command::Replay(cmd)]
}

fn step_up(steps: &[u32], v: u32) -> u32 {
    steps.iter().copied().find(|s| *s > v).unwrap_or(v)
}

fn step_down(steps: &[u32], v: u32) -> u32 {
    steps.iter().rev().copied().find(|s| *s < v).unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        App::new(
            &TuiConfig::default(),
            ThemeName::Default,
            SessionKind::Endpoint,
            "http://x/".into(),
        )
    }

    fn now() -> Stamp {
        Stamp::default()
    }

    #[test]
    fn plans_follow_the_panel() {
        let mut a = app();
        let s = State::new();
        let shown = |a: &App| a.plan().to_string();
        assert_eq!(shown(&a), "parallel 50");
        a.handle(Action::PlanKind(PlanKind::Serial), &s, 1, now());
        assert_eq!(shown(&a), "serial 50");
        a.handle(Action::NextPlanKind, &s, 1, now());
        assert_eq!(shown(&a), "ramp 1 50 over 10s");
        a.handle(Action::NextPlanKind, &s, 1, now());
        a.handle(Action::MoreRequests, &s, 1, now());
        assert_eq!(shown(&a), "rate 100 for 10s");
        // What the panel shows is a plan the engine takes as typed after `-p`.
        assert_eq!(shown(&a).parse::<Plan>().unwrap(), a.plan());
    }

    #[test]
    fn n_and_sleep_step_and_stop_at_the_ends() {
        let mut a = app();
        let s = State::new();
        a.requests = 1;
        a.handle(Action::FewerRequests, &s, 1, now());
        assert_eq!(a.requests, 1);
        a.requests = 30;
        a.handle(Action::MoreRequests, &s, 1, now());
        assert_eq!(a.requests, 50);
        a.sleep_ms = 0;
        a.handle(Action::ShorterSleep, &s, 1, now());
        assert_eq!(a.sleep_ms, 0);
        a.handle(Action::LongerSleep, &s, 1, now());
        assert_eq!(a.sleep_ms, 10);
    }

    #[test]
    fn keys_become_commands() {
        let mut a = app();
        let s = State::new();
        assert_eq!(
            a.handle(Action::Fire, &s, 1, now()),
            vec![Command::Fire {
                plan: "parallel 50".parse().unwrap(),
                sleep_ms: 100
            }]
        );
        assert_eq!(
            a.handle(Action::ToggleKeepWarm, &s, 1, now()),
            vec![Command::KeepWarm {
                plan: Some("keep-warm 50 every 1m".parse().unwrap()),
                sleep_ms: 100
            }]
        );
        // Emulator keys need the emulator.
        assert!(a.handle(Action::ReclaimIdle, &s, 1, now()).is_empty());
        a.kind = SessionKind::Emulator {
            settings: "nodejs".into(),
            provisioned: 0,
        };
        assert_eq!(
            a.handle(Action::MoreProvisioned, &s, 1, now()),
            vec![Command::Emulator(EmulatorCommand::SetProvisioned {
                count: 1
            })]
        );
    }

    #[test]
    fn an_open_overlay_takes_the_freeze_key() {
        let mut a = app();
        let s = State::new();
        for open in [Action::ToggleHelp, Action::Sizing] {
            a.handle(open, &s, 1, now());
            a.handle(Action::ToggleFreeze, &s, 1, now());
            assert!(!a.frozen && !a.help && !a.sizing, "{open:?}");
        }
        a.handle(Action::ToggleFreeze, &s, 1, now());
        assert!(a.frozen);
    }

    #[test]
    fn help_swallows_the_next_key_and_esc_quits_only_without_it() {
        let mut a = app();
        let s = State::new();
        a.handle(Action::ToggleHelp, &s, 1, now());
        assert!(a.handle(Action::Fire, &s, 1, now()).is_empty());
        assert!(!a.help);
        a.handle(Action::ToggleHelp, &s, 1, now());
        a.handle(Action::Back, &s, 1, now());
        assert!(!a.help && !a.quit);
        assert_eq!(a.handle(Action::Back, &s, 1, now()), vec![Command::Quit]);
        assert!(a.quit);
    }
}
