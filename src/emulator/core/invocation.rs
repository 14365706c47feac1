//! An invocation's life on its environment: admission's throttles, its start (the START
//! line, `InvokeStart`), its end and what it is billed (`REPORT`, `InvokeEnd`).

use std::time::Duration;

use super::{Core, Effect, Invocation, Invoked, Reply, Ticket, TimerKind, ms, uuid_v4};
use crate::emulator::builtin::{self, Course, InvokeParams};
use crate::emulator::logs::Report;
use crate::emulator::pool::EnvKey;

use crate::event::{
    DestroyReason, EventKind, FailurePhase, InitType, InvokeOutcome, ThrottleReason,
};
use crate::ids::{EnvId, RequestId};

impl Core {
    pub(super) fn throttle(
        &self,
        now: Duration,
        ticket: Ticket,
        reason: ThrottleReason,
        out: &mut Vec<Effect>,
    ) {
        self.emit(now, EventKind::Throttle { reason }, out);
        out.push(Effect::Respond {
            ticket,
            reply: Reply::Throttled(reason),
        });
    }

    pub(super) fn new_invocation(
        &mut self,
        ticket: Ticket,
        key: EnvKey,
        params: InvokeParams,
        cold: bool,
        init_ms: Option<f64>,
    ) -> u64 {
        let id = self.next_invocation;
        self.next_invocation += 1;
        let serial = self.pool.get(key).map_or(0, |e| e.serial);
        self.invocations.insert(
            id,
            Invocation {
                ticket,
                key,
                serial,
                params,
                request_id: String::new(),
                cold,
                init_ms,
                report_init_ms: None,
                plan: None,
                started: Duration::ZERO,
                answer: None,
                running: false,
                queued_at: None,
            },
        );
        id
    }

    /// Starts running an invocation on its (ready) environment.
    pub(super) fn begin(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let request_id = uuid_v4(&mut self.rng);
        let Some(inv) = self.invocations.get(&id) else {
            return;
        };
        let key = inv.key;
        let Some(env) = self.pool.get_mut(key) else {
            return;
        };
        env.invocations += 1;
        let first = env.invocations == 1;
        let reset = std::mem::take(&mut env.needs_init);
        let retry = env.retry_init_ms.take();
        let pc_first_report = if env.provisioned() {
            env.unreported_init_ms.take()
        } else {
            None
        };
        let provisioned = env.provisioned();
        // Requests on one environment share its CPU (several at once in the newer models).
        let sharing = env.in_flight.max(1);
        // After a reset the runtime starts again inside this invocation (suppressed init).
        let reinit_ms = if self.process {
            // The replaced process's Init runs inside this invocation (its `next` is late).
            reset.then_some(0.0)
        } else {
            reset.then(|| {
                retry.unwrap_or_else(|| {
                    builtin::init_ms(&self.cfg, &mut self.rng, InitType::OnDemand)
                })
            })
        };
        let Some(inv) = self.invocations.get_mut(&id) else {
            return;
        };
        if let Some(r) = reinit_ms {
            inv.cold = true;
            inv.init_ms = Some(r);
        }
        if pc_first_report.is_some() {
            inv.report_init_ms = pc_first_report;
            inv.init_ms = pc_first_report;
        }
        inv.request_id.clone_from(&request_id);
        inv.started = now;
        inv.running = true;
        if inv.params.direct.as_ref().is_some_and(|d| d.tail) {
            self.tails.insert(key, String::new());
        }
        if self.process {
            self.deliver(now, id, key, provisioned, out);
            return;
        }
        let plan = builtin::plan(
            &self.cfg,
            &mut self.rng,
            &inv.params,
            builtin::Start {
                first,
                reinit_ms: reinit_ms.unwrap_or(0.0),
                sharing,
            },
        );
        let end = now + ms(plan.runs_ms);
        inv.plan = Some(plan);
        self.announce_start(now, id, provisioned, out);
        self.schedule(end, TimerKind::InvokeDone { invocation: id });
    }

    /// Invocation `id` starts on its environment: metrics, `InvokeStart` and the START line.
    pub(super) fn announce_start(
        &mut self,
        now: Duration,
        id: u64,
        provisioned: bool,
        out: &mut Vec<Effect>,
    ) {
        let Some(inv) = self.invocations.get(&id) else {
            return;
        };
        let Some(env) = self.pool.get(inv.key) else {
            return;
        };
        let spillover = !provisioned && self.provisioned_target > 0;
        self.metrics.invocation(provisioned, spillover);
        if !self.observed && !self.tailing(inv.key) {
            // Nobody reads the event or the START line (a simulation, --quiet).
            return;
        }
        let (key, env, request_id, cold) =
            (inv.key, env.id.clone(), inv.request_id.clone(), inv.cold);
        self.emit(
            now,
            EventKind::InvokeStart {
                env,
                request: RequestId(request_id.clone()),
                cold,
            },
            out,
        );
        self.log(now, key, |w, wall| w.start(wall, &request_id), out);
    }

    /// What an invocation's end writes besides its REPORT: the error, the timeout or
    /// the runtime's exit, and a function error's type.
    fn log_outcome(
        &mut self,
        now: Duration,
        key: EnvKey,
        env_id: &EnvId,
        rid: &str,
        plan: &Course,
        out: &mut Vec<Effect>,
    ) {
        match plan.outcome {
            InvokeOutcome::Success => {}
            InvokeOutcome::Error => {
                if let Some(error_type) = plan.error_type {
                    let failure = EventKind::Failure {
                        env: env_id.clone(),
                        phase: FailurePhase::Invoke,
                        error_type: error_type.to_string(),
                    };
                    self.emit(now, failure, out);
                }
                self.log(
                    now,
                    key,
                    |w, wall| w.function_error(wall, rid, &plan.body),
                    out,
                );
            }
            InvokeOutcome::Timeout => {
                let t = self.cfg.timeout_s;
                self.log(now, key, |w, wall| w.timed_out(wall, rid, t), out);
            }
            InvokeOutcome::Crash => {
                if self.observed {
                    for line in self.logs.runtime_exited(self.wall_us(now), rid) {
                        self.log(now, key, |_, _| line, out);
                    }
                }
            }
        }
    }

    pub(super) fn invoke_done(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let Some(mut inv) = self.invocations.remove(&id) else {
            return;
        };
        let Some(plan) = inv.plan.take() else { return };
        let Some(env) = self.pool.get_current(inv.key, inv.serial) else {
            return;
        };
        let (env_id, init_type, invocations) = (env.id.clone(), env.init_type, env.invocations);
        let key = inv.key;
        let rid = inv.request_id.as_str();
        self.log_outcome(now, key, &env_id, rid, &plan, out);
        let restore = self.cfg.runtime.is_snapstart();
        // Since Aug 2025 an on-demand cold start bills its Init (docs/lambda-facts.md §6);
        // SnapStart bills its restore separately, provisioned Init is billed as PC.
        let billed_init = match (init_type, inv.report_init_ms) {
            (InitType::OnDemand, Some(i)) if !restore => i,
            _ => 0.0,
        };
        let billed_ms = (plan.duration_ms + billed_init).ceil().max(1.0) as u64;
        let report = Report {
            request_id: rid,
            duration_ms: plan.duration_ms,
            billed_ms,
            memory_mb: self.cfg.memory_mb,
            max_memory_used_mb: plan.memory_used_mb,
            init_ms: inv.report_init_ms,
            restore,
            outcome: plan.outcome,
        };
        self.log(now, key, |w, wall| w.end(wall, rid, plan.outcome), out);
        self.log(now, key, |w, wall| w.report(wall, &report), out);
        if self.observed {
            self.emit(
                now,
                EventKind::InvokeEnd {
                    env: env_id.clone(),
                    request: RequestId(inv.request_id.clone()),
                    duration_ms: plan.duration_ms,
                    billed_ms,
                    init_ms: inv.report_init_ms,
                    cold: inv.cold,
                    outcome: plan.outcome,
                },
                out,
            );
        }
        self.metrics
            .completed(plan.duration_ms, plan.outcome != InvokeOutcome::Success);
        out.push(Effect::Respond {
            ticket: inv.ticket,
            reply: Reply::Invoked(Invoked {
                request_id: std::mem::take(&mut inv.request_id),
                env: env_id.clone(),
                init_type,
                cold: inv.cold,
                init_ms: inv.init_ms,
                invocations,
                duration_ms: plan.duration_ms,
                outcome: plan.outcome,
                status: plan.status,
                body: plan.body,
                answer: inv.answer.take(),
                log_tail: self.tails.remove(&key),
            }),
        });
        match plan.outcome {
            InvokeOutcome::Crash => {
                self.destroy(now, key, DestroyReason::Crash, out);
                return;
            }
            InvokeOutcome::Timeout => {
                // Lambda resets the environment; Init runs again in the next invocation.
                if let Some(env) = self.pool.get_mut(key) {
                    env.needs_init = true;
                }
                self.emit(now, EventKind::Reset { env: env_id }, out);
            }
            InvokeOutcome::Success | InvokeOutcome::Error => {}
        }
        let idle = self.pool.vacate(key, now);
        // A freed slot serves the oldest queued request first (Web Functions).
        if self.serve_queued(now, key, out) {
            return;
        }
        if idle {
            self.went_idle(now, key, out);
        }
    }
}
