//! An environment's life: its birth and Init (`INIT_START`, `InitEnd`, or the failed
//! Init's `INIT_REPORT`), going idle, and its end (idle reclaim, the maximum lifetime, a
//! crash).

use std::time::Duration;

use rand::Rng as _;

use super::{Core, Effect, Reply, TimerKind, ms, spread};
use crate::emulator::logs;
use crate::emulator::pool::EnvKey;
use crate::event::{DestroyReason, EventKind, FailurePhase, InitType, ReclaimReason};
use crate::ids::EnvId;

/// A failed Init: how long it ran, Lambda's error type, and the invocation waiting for it.
#[derive(Clone, Copy)]
pub(super) struct InitFailure<'a> {
    pub init_ms: f64,
    pub error_type: &'a str,
    pub waiting: Option<u64>,
}

impl Core {
    /// Creates an environment and starts its Init.
    pub(super) fn create_env(
        &mut self,
        now: Duration,
        init_type: InitType,
        out: &mut Vec<Effect>,
    ) -> EnvKey {
        let hex = format!("{:032x}", self.rng.random::<u128>());
        let stream = logs::stream_name(self.wall_us(now), &hex);
        let key = self.pool.create(now, EnvId(hex), stream, init_type);
        let serial = self.pool.get(key).map_or(0, |e| e.serial);
        let id = self.pool.get(key).map(|e| e.id.clone());
        if let Some(env) = id {
            self.emit(
                now,
                EventKind::InitStart {
                    env,
                    init_type,
                    slots: self.cfg.slots(),
                },
                out,
            );
        }
        self.log(now, key, |w, wall| w.init_start(wall, init_type), out);
        if self.process {
            let stream = self
                .pool
                .get(key)
                .map(|e| e.stream.clone())
                .unwrap_or_default();
            out.push(Effect::Spawn {
                key,
                serial,
                stream,
                init_type,
            });
            let cap = Duration::from_secs_f64(self.cfg.init_timeout_s.clamp(0.1, 900.0));
            self.schedule(now + cap, TimerKind::InitTimeout { key, serial });
        } else {
            let init_ms = self.init_duration(init_type);
            // An on-demand Init is cut at 10 s; Lambda retries it inside the first
            // invocation, under the function timeout (docs/lambda-facts.md §6).
            let cap_ms = self.cfg.init_timeout_s * 1000.0;
            let cut = init_type == InitType::OnDemand && init_ms > cap_ms;
            let ran_ms = if cut { cap_ms } else { init_ms };
            self.schedule(now + ms(ran_ms), TimerKind::InitDone { key, serial });
            if let Some(env) = self.pool.get_mut(key) {
                // Remember the sampled Init so InitDone reports it.
                env.unreported_init_ms = Some(ran_ms);
                env.retry_init_ms = cut.then_some(init_ms);
            }
        }
        let (life, jitter) = match init_type {
            InitType::ProvisionedConcurrency => {
                let r = self.cfg.provisioned_recycle_s;
                (r, r / 4.0)
            }
            _ => (self.cfg.max_lifetime_s, self.cfg.max_lifetime_jitter_s),
        };
        if init_type != InitType::SnapStart && life > 0.0 {
            let life = spread(&mut self.rng, life, jitter);
            self.schedule(
                now + Duration::from_secs_f64(life),
                TimerKind::Lifetime { key, serial },
            );
        }
        key
    }

    pub(super) fn init_done(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        out: &mut Vec<Effect>,
    ) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        let (env_id, init_ms) = (env.id.clone(), env.unreported_init_ms.unwrap_or(0.0));
        let timed_out = env.retry_init_ms.is_some();
        let waiting = self.waiting_init.remove(&key);
        let crash_in_init = waiting
            .and_then(|id| self.invocations.get(&id))
            .is_some_and(|inv| inv.params.crash_in_init());
        if crash_in_init {
            let failure = InitFailure {
                init_ms,
                error_type: "Runtime.ExitError",
                waiting,
            };
            self.fail_init(now, key, &env_id, failure, out);
            return;
        }
        if timed_out {
            self.log(now, key, |w, wall| w.init_timed_out(wall, init_ms), out);
            if let Some(env) = self.pool.get_mut(key) {
                // The retry runs inside the first invocation.
                env.needs_init = true;
            }
        }
        self.emit(
            now,
            EventKind::InitEnd {
                env: env_id,
                init_ms,
                ok: !timed_out,
            },
            out,
        );
        self.pool.ready(key, now);
        if self
            .pool
            .get(key)
            .is_some_and(crate::emulator::pool::Env::provisioned)
        {
            self.replaced(now, out);
        }
        let joined = self.also_waiting.remove(&key).unwrap_or_default();
        for id in joined {
            if let Some(inv) = self.invocations.get_mut(&id) {
                inv.init_ms = Some(init_ms);
            }
            self.begin(now, id, out);
        }
        if let Some(id) = waiting {
            if let Some(env) = self.pool.get_mut(key) {
                // On-demand: this invocation's REPORT carries the Init Duration.
                env.unreported_init_ms = None;
            }
            if let Some(inv) = self.invocations.get_mut(&id) {
                inv.init_ms = Some(init_ms);
                inv.report_init_ms = Some(init_ms);
            }
            self.begin(now, id, out);
        } else {
            // Provisioned: initialized ahead of traffic, idle until used. Its first
            // REPORT shows the Init Duration (docs/lambda-facts.md §3).
            self.went_idle(now, key, out);
        }
    }

    /// Init failed: `INIT_REPORT`, `InitEnd` not ok, every request waiting for it gets the
    /// front's error, and the environment is destroyed.
    pub(super) fn fail_init(
        &mut self,
        now: Duration,
        key: EnvKey,
        env_id: &EnvId,
        failure: InitFailure<'_>,
        out: &mut Vec<Effect>,
    ) {
        let InitFailure {
            init_ms,
            error_type,
            waiting,
        } = failure;
        self.log(
            now,
            key,
            |w, wall| w.init_report(wall, init_ms, "init", error_type),
            out,
        );
        self.emit(
            now,
            EventKind::Failure {
                env: env_id.clone(),
                phase: FailurePhase::Init,
                error_type: error_type.to_string(),
            },
            out,
        );
        self.emit(
            now,
            EventKind::InitEnd {
                env: env_id.clone(),
                init_ms,
                ok: false,
            },
            out,
        );
        self.fail_joined(key, env_id, init_ms, out);
        if let Some(inv) = waiting.and_then(|id| self.invocations.remove(&id)) {
            self.metrics.invocation(false, false);
            self.metrics.completed(init_ms, true);
            out.push(Effect::Respond {
                ticket: inv.ticket,
                reply: Reply::InitFailed {
                    env: env_id.clone(),
                    init_ms,
                },
            });
        }
        self.destroy(now, key, DestroyReason::InitError, out);
    }

    /// The environment has nothing in flight: it is frozen, and its reclaim clock starts.
    ///
    /// Each environment has at most one reclaim timer: going idle again only moves its
    /// deadline, and a timer that fires early re-arms itself for the deadline. So busy
    /// traffic adds no timers, however many requests an environment serves.
    pub(super) fn went_idle(&mut self, now: Duration, key: EnvKey, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get(key) else {
            return;
        };
        let (id, serial, provisioned, retire) =
            (env.id.clone(), env.serial, env.provisioned(), env.retire);
        if retire {
            self.reclaim(now, key, ReclaimReason::MaxLifetime, out);
            return;
        }
        self.emit(now, EventKind::Frozen { env: id }, out);
        if self.process {
            out.push(Effect::Freeze { key, serial });
        }
        if provisioned {
            return;
        }
        let idle_s = spread(
            &mut self.rng,
            self.cfg.idle_reclaim_s,
            self.cfg.idle_reclaim_jitter_s,
        );
        let deadline = now + Duration::from_secs_f64(idle_s);
        let Some(env) = self.pool.get_mut(key) else {
            return;
        };
        env.reclaim_at = Some(deadline);
        if !std::mem::replace(&mut env.reclaim_armed, true) {
            self.schedule(deadline, TimerKind::IdleReclaim { key, serial });
        }
    }

    pub(super) fn idle_reclaim(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        out: &mut Vec<Effect>,
    ) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        let (idle, deadline) = (env.is_idle(), env.reclaim_at);
        let keep = self.at_minimum();
        match deadline {
            // Managed Instances keep their minimum environments.
            Some(_) if idle && keep => {
                if let Some(env) = self.pool.get_mut(key) {
                    env.reclaim_armed = false;
                }
            }
            Some(d) if idle && d <= now => self.reclaim(now, key, ReclaimReason::Idle, out),
            // Used since this timer was set: wait for the newer deadline.
            Some(d) if idle => self.schedule(d, TimerKind::IdleReclaim { key, serial }),
            // Busy: disarmed; going idle arms it again.
            _ => {
                if let Some(env) = self.pool.get_mut(key) {
                    env.reclaim_armed = false;
                }
            }
        }
    }

    pub(super) fn lifetime(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        out: &mut Vec<Effect>,
    ) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        if env.provisioned() {
            // Recycled: a replacement runs Init in the background; this one goes when
            // it is ready (or, busy then, when its request ends), so the provisioned
            // count never dips.
            if let Some(env) = self.pool.get_mut(key) {
                env.retire = true;
            }
            self.create_env(now, InitType::ProvisionedConcurrency, out);
            return;
        }
        if env.is_idle() {
            self.reclaim(now, key, ReclaimReason::MaxLifetime, out);
        } else if let Some(env) = self.pool.get_mut(key) {
            env.retire = true;
        }
    }

    /// A provisioned environment is ready: one it replaces goes, if idle.
    fn replaced(&mut self, now: Duration, out: &mut Vec<Effect>) {
        let old = self
            .pool
            .iter()
            .find(|(_, e)| e.provisioned() && e.retire && e.is_idle())
            .map(|(k, _)| k);
        if let Some(old) = old {
            self.reclaim(now, old, ReclaimReason::MaxLifetime, out);
        }
    }

    pub(super) fn reclaim(
        &mut self,
        now: Duration,
        key: EnvKey,
        reason: ReclaimReason,
        out: &mut Vec<Effect>,
    ) {
        self.tails.remove(&key);
        if self.process {
            out.push(Effect::Kill { key });
        }
        if let Some(env) = self.pool.remove(key) {
            self.emit(
                now,
                EventKind::Reclaimed {
                    env: env.id,
                    reason,
                },
                out,
            );
        }
    }

    pub(super) fn destroy(
        &mut self,
        now: Duration,
        key: EnvKey,
        reason: DestroyReason,
        out: &mut Vec<Effect>,
    ) {
        self.tails.remove(&key);
        if self.process {
            out.push(Effect::Kill { key });
        }
        if let Some(env) = self.pool.remove(key) {
            self.emit(
                now,
                EventKind::Destroyed {
                    env: env.id,
                    reason,
                },
                out,
            );
            // A crashed provisioned environment is replaced, as Lambda keeps PC allocated.
            if env.init_type == InitType::ProvisionedConcurrency {
                self.create_env(now, InitType::ProvisionedConcurrency, out);
            }
        }
    }
}
