//! The environment table: one row per execution environment, in order of birth, with
//! its state and history. Dead environments stay a while (so the grid can show them
//! reclaimed) and then make room: the table is bounded by the live ones plus
//! [`DEAD_KEPT`].

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::Serialize;

use super::lanes::Lane;
use crate::event::InitType;
use crate::ids::{EnvId, Stamp};

/// Reclaimed or destroyed environments kept for display.
pub const DEAD_KEPT: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvState {
    Initializing,
    /// At least one request in flight.
    Busy,
    /// Ready, nothing in flight (frozen).
    Idle,
    Reclaimed,
    Destroyed,
}

impl EnvState {
    pub fn is_alive(self) -> bool {
        !matches!(self, Self::Reclaimed | Self::Destroyed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvRow {
    pub id: EnvId,
    /// Birth order, for a stable grid.
    pub seq: u64,
    pub state: EnvState,
    pub init_type: InitType,
    pub slots: u32,
    pub in_flight: u32,
    pub born: Stamp,
    pub init_ms: Option<f64>,
    pub invocations: u64,
    pub last_used: Stamp,
    /// The latest invocation was a cold start (for the grid's cold flash).
    pub last_cold: bool,
    /// When the state last changed (for animations).
    pub changed: Stamp,
    /// Lifecycle events describe this environment; otherwise only client probes do.
    pub lifecycle: bool,
    /// Its story on the time things happened, for the lanes view.
    #[serde(skip)]
    pub lane: Lane,
}

impl EnvRow {
    pub fn provisioned(&self) -> bool {
        self.init_type == InitType::ProvisionedConcurrency
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvTable {
    rows: BTreeMap<u64, EnvRow>,
    index: HashMap<EnvId, u64>,
    dead: VecDeque<u64>,
    next_seq: u64,
    live: usize,
    peak_live: usize,
}

impl EnvTable {
    /// Rows in birth order.
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = &EnvRow> {
        self.rows.values()
    }

    pub fn get(&self, id: &EnvId) -> Option<&EnvRow> {
        self.index.get(id).and_then(|s| self.rows.get(s))
    }

    pub fn get_mut(&mut self, id: &EnvId) -> Option<&mut EnvRow> {
        self.index.get(id).and_then(|s| self.rows.get_mut(s))
    }

    pub fn live(&self) -> usize {
        self.live
    }

    pub fn peak_live(&self) -> usize {
        self.peak_live
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn count(&self, state: EnvState) -> usize {
        self.rows.values().filter(|r| r.state == state).count()
    }

    /// The row for `id`, created (alive, idle) when first heard of.
    pub fn upsert(&mut self, id: &EnvId, at: Stamp) -> &mut EnvRow {
        let seq = if let Some(seq) = self.index.get(id) {
            *seq
        } else {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.index.insert(id.clone(), seq);
            self.rows.insert(seq, new_row(id, seq, at));
            self.live += 1;
            self.peak_live = self.peak_live.max(self.live);
            seq
        };
        let row = self.rows.entry(seq).or_insert_with(|| new_row(id, seq, at));
        if !row.state.is_alive() {
            // An id seen again after it died (a reused id from a probe): alive again.
            row.state = EnvState::Idle;
            self.live += 1;
            self.peak_live = self.peak_live.max(self.live);
            self.dead.retain(|s| *s != seq);
        }
        row
    }

    /// Sets a row's state, keeping the live count and the dead window right.
    pub fn set_state(&mut self, id: &EnvId, state: EnvState, at: Stamp) {
        let Some(seq) = self.index.get(id).copied() else {
            return;
        };
        let Some(row) = self.rows.get_mut(&seq) else {
            return;
        };
        let was_alive = row.state.is_alive();
        row.state = state;
        row.changed = at;
        if was_alive && !state.is_alive() {
            row.in_flight = 0;
            self.live -= 1;
            self.dead.push_back(seq);
            while self.dead.len() > DEAD_KEPT {
                if let Some(old) = self.dead.pop_front()
                    && let Some(r) = self.rows.remove(&old)
                {
                    self.index.remove(&r.id);
                }
            }
        }
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// A row for an environment first heard of at `at`.
fn new_row(id: &EnvId, seq: u64, at: Stamp) -> EnvRow {
    EnvRow {
        id: id.clone(),
        seq,
        state: EnvState::Idle,
        init_type: InitType::OnDemand,
        slots: 1,
        in_flight: 0,
        born: at,
        init_ms: None,
        invocations: 0,
        last_used: at,
        last_cold: false,
        changed: at,
        lifecycle: false,
        lane: Lane::new(at.wall_us),
    }
}
