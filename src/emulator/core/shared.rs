//! Several requests per environment: Lambda Managed Instances and Web Functions
//! (docs/execution-models.md). Scheduling differs from the classic model in where a
//! request goes when no ready environment has a free slot:
//!
//! - Web Functions: it joins an initializing environment with room, else a new one
//!   starts (up to `max_environments`), else it queues for the next free slot (up to
//!   `queue_timeout_ms`).
//! - Managed Instances: environments never start on arrival; it is throttled, and the
//!   platform scales out on its own when most slots are busy.

use std::time::Duration;

use super::{Core, Effect, TimerKind};
use crate::config::ExecutionModel;
use crate::emulator::builtin::InvokeParams;
use crate::emulator::pool::{Admission, EnvKey, Phase};
use crate::event::{EventKind, InitType, ThrottleReason};
use crate::ids::EnvId;

/// Managed Instances keep busy slots at this share of their capacity (room to double).
const TARGET: f64 = 0.5;
/// Managed Instances: how long a new instance takes to serve (about the 5 minutes of
/// AWS's "more than doubles within 5 minutes").
const LAUNCH: Duration = Duration::from_secs(300);

impl Core {
    /// Managed Instances start their minimum environments ahead of traffic.
    pub(super) fn start_shared(&mut self, now: Duration, out: &mut Vec<Effect>) {
        if self.cfg.execution_model == ExecutionModel::ManagedInstances {
            for _ in 0..self.cfg.min_environments.unwrap_or(3) {
                self.create_env(now, InitType::OnDemand, out);
            }
        }
    }

    /// Managed Instances at their minimum: no idle environment is reclaimed.
    pub(super) fn at_minimum(&self) -> bool {
        self.cfg.execution_model == ExecutionModel::ManagedInstances
            && self.environments() <= self.cfg.min_environments.unwrap_or(3) as usize
    }

    fn environments(&self) -> usize {
        self.pool.iter().count()
    }

    fn below_max(&self) -> bool {
        self.cfg
            .max_environments
            .is_none_or(|m| self.environments() < m as usize)
    }

    /// An initializing environment with a slot no waiting request has taken.
    fn initializing_with_room(&self) -> Option<EnvKey> {
        let slots = self.cfg.slots() as usize;
        self.pool
            .iter()
            .filter(|(_, e)| e.phase == Phase::Initializing)
            .find(|(k, _)| {
                let first = usize::from(self.waiting_init.contains_key(k));
                first + self.also_waiting.get(k).map_or(0, Vec::len) < slots
            })
            .map(|(k, _)| k)
    }

    pub(super) fn invoke_shared(
        &mut self,
        now: Duration,
        ticket: super::Ticket,
        params: InvokeParams,
        out: &mut Vec<Effect>,
    ) {
        let model = self.cfg.execution_model;
        let admitted = self.pool.admit(now);
        if let Ok(Admission::Existing(key)) = admitted {
            let id = self.new_invocation(ticket, key, params, false, None);
            self.pool.occupy(key);
            self.note_concurrency();
            self.begin(now, id, out);
            if model == ExecutionModel::ManagedInstances {
                self.scale_out_if_saturated(now, out);
            } else {
                self.keep_headroom(now, out);
            }
            return;
        }
        let cap_reached = matches!(
            admitted,
            Err(ThrottleReason::ReservedConcurrency | ThrottleReason::AccountConcurrency)
        );
        if model == ExecutionModel::ManagedInstances || cap_reached {
            let reason = match admitted {
                Err(r) => r,
                // Managed Instances: no environment starts on arrival.
                Ok(_) => ThrottleReason::ScalingRate,
            };
            self.metrics.throttle();
            self.throttle(now, ticket, reason, out);
            if model == ExecutionModel::ManagedInstances {
                self.scale_out_if_saturated(now, out);
            }
            return;
        }
        // Web Functions: wait for an environment already starting, else start one.
        if let Some(key) = self.initializing_with_room() {
            let id = self.new_invocation(ticket, key, params, true, None);
            self.pool.occupy(key);
            self.note_concurrency();
            self.also_waiting.entry(key).or_default().push(id);
            self.keep_headroom(now, out);
            return;
        }
        if self.below_max() && matches!(admitted, Ok(Admission::New)) {
            let key = self.create_env(now, InitType::OnDemand, out);
            let id = self.new_invocation(ticket, key, params, true, None);
            self.pool.occupy(key);
            self.note_concurrency();
            self.waiting_init.insert(key, id);
            self.keep_headroom(now, out);
            return;
        }
        // Every slot busy and no room to grow: queue for the next free slot.
        let id = self.new_invocation(ticket, usize::MAX, params, false, None);
        if let Some(inv) = self.invocations.get_mut(&id) {
            inv.queued_at = Some(now);
        }
        self.queue.push_back(id);
        let limit = Duration::from_millis(self.cfg.queue_timeout_ms);
        self.schedule(now + limit, TimerKind::QueueTimeout { invocation: id });
    }

    /// Web Functions: slots free or about to be (initializing, not yet promised).
    fn spare_slots(&self) -> u32 {
        self.pool
            .iter()
            .map(|(k, e)| {
                let promised = u32::try_from(
                    usize::from(self.waiting_init.contains_key(&k))
                        + self.also_waiting.get(&k).map_or(0, Vec::len),
                )
                .unwrap_or(u32::MAX);
                match e.phase {
                    Phase::Ready => e.slots.saturating_sub(e.in_flight),
                    Phase::Initializing => e.slots.saturating_sub(promised),
                }
            })
            .sum()
    }

    /// Web Functions: start an environment ahead of traffic when fewer than `headroom`
    /// slots are spare (AWS keeps a headroom; its size is not documented).
    fn keep_headroom(&mut self, now: Duration, out: &mut Vec<Effect>) {
        let headroom = self.cfg.headroom;
        if headroom > 0 && self.spare_slots() < headroom && self.below_max() {
            self.create_env(now, InitType::OnDemand, out);
        }
    }

    /// Managed Instances: capacity for twice the requests in flight (AWS: "if your
    /// traffic more than doubles within 5 minutes, you may see throttles"). When busy
    /// slots pass half of what is up or launching, instances launch for the rest; they
    /// serve after [`LAUNCH`].
    fn scale_out_if_saturated(&mut self, now: Duration, _out: &mut Vec<Effect>) {
        let slots = f64::from(self.cfg.slots());
        let busy = f64::from(self.pool.in_flight());
        let needed = (busy / (TARGET * slots)).ceil() as usize;
        let have = self.environments() + self.launching;
        let room = self
            .cfg
            .max_environments
            .map_or(usize::MAX, |m| (m as usize).saturating_sub(have));
        for _ in 0..needed.saturating_sub(have).min(room) {
            self.launching += 1;
            self.schedule(now + LAUNCH, TimerKind::Launched);
        }
    }

    /// Managed Instances: a launched instance's environment starts.
    pub(super) fn launched(&mut self, now: Duration, out: &mut Vec<Effect>) {
        self.launching = self.launching.saturating_sub(1);
        if self.below_max() {
            self.create_env(now, InitType::OnDemand, out);
        }
    }

    /// A slot of `key` freed: the oldest queued request takes it. Returns whether one did.
    pub(super) fn serve_queued(
        &mut self,
        now: Duration,
        key: EnvKey,
        out: &mut Vec<Effect>,
    ) -> bool {
        // The classic model never queues: nothing to look up on its hot path.
        if self.queue.is_empty() {
            return false;
        }
        let Some(env) = self.pool.get(key) else {
            return false;
        };
        if env.phase != Phase::Ready || env.in_flight >= env.slots {
            return false;
        }
        let serial = env.serial;
        while let Some(id) = self.queue.pop_front() {
            let Some(inv) = self.invocations.get_mut(&id) else {
                continue;
            };
            inv.key = key;
            inv.serial = serial;
            let waited = inv
                .queued_at
                .map_or(0.0, |t| now.saturating_sub(t).as_secs_f64() * 1000.0);
            let request = inv.request_id.clone();
            self.pool.occupy(key);
            self.note_concurrency();
            if let Some(env) = self.pool.get(key) {
                let env = env.id.clone();
                self.emit(
                    now,
                    EventKind::Queued {
                        env,
                        waited_ms: waited,
                    },
                    out,
                );
            }
            let _ = request;
            self.begin(now, id, out);
            return true;
        }
        false
    }

    /// A queued request waited too long: the front's answer for a throttle.
    pub(super) fn queue_timeout(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let Some(pos) = self.queue.iter().position(|q| *q == id) else {
            return;
        };
        self.queue.remove(pos);
        if let Some(inv) = self.invocations.remove(&id) {
            self.metrics.throttle();
            self.throttle(now, inv.ticket, ThrottleReason::ScalingRate, out);
        }
    }

    /// Init failed: every request that joined the environment gets the failure too.
    pub(super) fn fail_joined(
        &mut self,
        key: EnvKey,
        env: &EnvId,
        init_ms: f64,
        out: &mut Vec<Effect>,
    ) {
        for id in self.also_waiting.remove(&key).unwrap_or_default() {
            if let Some(inv) = self.invocations.remove(&id) {
                out.push(Effect::Respond {
                    ticket: inv.ticket,
                    reply: super::Reply::InitFailed {
                        env: env.clone(),
                        init_ms,
                    },
                });
            }
        }
    }
}
