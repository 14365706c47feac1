//! The `process` handler's half of the platform model: what real processes and their
//! Runtime APIs report (ready, answered, failed, exited, printed) and the timers that
//! bound them. The rest of the model (pool, scheduling, reports, metrics) is the same
//! as for the builtin handler.

use std::time::Duration;

use bytes::Bytes;
use rand::Rng as _;

use super::lifecycle::InitFailure;
use super::{Core, Effect, Reply, TimerKind, uuid_v4};
use crate::emulator::builtin::Course;
use crate::emulator::pool::{EnvKey, Phase};
use crate::emulator::proxy::{self, Context, Malformed};
use crate::emulator::runtime_api::{Delivery, RuntimeMsg};
use crate::event::{DestroyReason, EventKind, FailurePhase, InvokeOutcome};

/// How an invocation ended, for `finish`.
struct Ending {
    outcome: InvokeOutcome,
    status: u16,
    body: String,
    answer: Option<Result<proxy::Mapped, Malformed>>,
}

impl Core {
    /// Hands invocation `id` to its environment's runtime: the proxy event of its
    /// request, with the deadline the function timeout sets.
    pub(super) fn deliver(
        &mut self,
        now: Duration,
        id: u64,
        key: EnvKey,
        provisioned: bool,
        out: &mut Vec<Effect>,
    ) {
        let api_request_id = uuid_v4(&mut self.rng);
        let trace = format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
            self.wall_us(now) / 1_000_000,
            self.rng.random::<u128>() >> 32,
            self.rng.random::<u64>()
        );
        let Some(inv) = self.invocations.get(&id) else {
            return;
        };
        let request = inv.params.request.clone().unwrap_or_default();
        let ctx = Context {
            request_id: api_request_id,
            time_epoch_ms: self.wall_us(now) / 1000,
            account_id: "123456789012".into(),
            api_id: "thawemu001".into(),
            stage: "prod".into(),
        };
        let (payload, client_context) = match &inv.params.direct {
            Some(d) => (d.payload.clone(), d.client_context.clone()),
            None => (
                Bytes::from(proxy::event(self.cfg.front, &request, &ctx).to_string()),
                None,
            ),
        };
        let timeout = Duration::from_secs_f64(self.cfg.timeout_s);
        let (request_id, serial) = (inv.request_id.clone(), inv.serial);
        if self.pool.get(key).is_none() {
            return;
        }
        self.announce_start(now, id, provisioned, out);
        out.push(Effect::Deliver {
            key,
            serial,
            delivery: Delivery {
                invocation: id,
                request_id,
                deadline_epoch_ms: (self.wall_us(now + timeout)) / 1000,
                function_arn: format!(
                    "arn:aws:lambda:{}:123456789012:function:{}",
                    self.cfg.region, self.cfg.function_name
                ),
                trace_id: trace,
                client_context,
                payload,
            },
        });
        self.schedule(now + timeout, TimerKind::InvokeTimeout { invocation: id });
    }

    /// A runtime spoke. `Ready` is its first `next`: Init is over.
    pub fn runtime(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        msg: RuntimeMsg,
        peak_memory_mb: Option<u32>,
        out: &mut Vec<Effect>,
    ) {
        if let Some(mb) = peak_memory_mb
            && self.pool.get_current(key, serial).is_some()
            && let Some(env) = self.pool.get_mut(key)
        {
            env.memory_used_mb = Some(mb);
        }
        match msg {
            RuntimeMsg::Ready { init_ms } => {
                let Some(env) = self.pool.get_current(key, serial) else {
                    return;
                };
                if env.phase != Phase::Initializing {
                    // A replaced process (after a timeout) is ready again: its Init ran
                    // inside the invocation that waits for it.
                    return;
                }
                if let Some(env) = self.pool.get_mut(key) {
                    env.unreported_init_ms = Some(init_ms);
                }
                self.init_done(now, key, serial, out);
            }
            RuntimeMsg::Response { invocation, body } => {
                let direct = self
                    .invocations
                    .get(&invocation)
                    .is_some_and(|inv| inv.params.direct.is_some());
                // Through the Lambda API the answer is the payload, unmapped.
                let answer = if direct {
                    Ok(proxy::Mapped {
                        status: 200,
                        headers: Vec::new(),
                        body: body.to_vec(),
                    })
                } else {
                    proxy::map_response(self.cfg.front, &body)
                };
                let status = match &answer {
                    Ok(m) => m.status,
                    Err(_) => 502,
                };
                self.finish(
                    now,
                    invocation,
                    Ending {
                        outcome: InvokeOutcome::Success,
                        status,
                        body: String::new(),
                        answer: Some(answer),
                    },
                    out,
                );
            }
            RuntimeMsg::Error {
                invocation,
                error_type,
                body,
            } => {
                let message = String::from_utf8_lossy(&body).into_owned();
                self.log_invocation_error(now, invocation, &error_type, &message, out);
                self.finish(
                    now,
                    invocation,
                    Ending {
                        outcome: InvokeOutcome::Error,
                        status: 502,
                        body: message,
                        answer: None,
                    },
                    out,
                );
            }
            RuntimeMsg::InitError { error_type, .. } => {
                self.init_failed(now, key, serial, "init", &error_type, out);
            }
            RuntimeMsg::StreamStart {
                invocation,
                content_type,
                chunks,
            } => self.stream_started(invocation, content_type, chunks, out),
            RuntimeMsg::StreamEnd {
                invocation, error, ..
            } => {
                let ending = match error {
                    Some(e) => {
                        self.log_invocation_error(now, invocation, &e.error_type, &e.body, out);
                        Ending {
                            outcome: InvokeOutcome::Error,
                            status: 502,
                            body: e.body,
                            answer: None,
                        }
                    }
                    None => Ending {
                        outcome: InvokeOutcome::Success,
                        status: 200,
                        body: String::new(),
                        answer: None,
                    },
                };
                self.finish(now, invocation, ending, out);
            }
        }
    }

    /// The caller gets the stream now; the invocation runs on until it ends.
    fn stream_started(
        &mut self,
        invocation: u64,
        content_type: Option<String>,
        chunks: crate::emulator::runtime_api::StreamRx,
        out: &mut Vec<Effect>,
    ) {
        let Some(inv) = self.invocations.get(&invocation) else {
            return;
        };
        let Some(env) = self.pool.get(inv.key) else {
            return;
        };
        out.push(Effect::Respond {
            ticket: inv.ticket,
            reply: Reply::Streaming(super::Streamed {
                request_id: inv.request_id.clone(),
                env: env.id.clone(),
                cold: inv.cold,
                content_type,
                chunks,
            }),
        });
    }

    fn log_invocation_error(
        &mut self,
        now: Duration,
        invocation: u64,
        error_type: &str,
        message: &str,
        out: &mut Vec<Effect>,
    ) {
        let Some(inv) = self.invocations.get(&invocation) else {
            return;
        };
        let (key, rid) = (inv.key, inv.request_id.clone());
        if let Some(env) = self.pool.get(key) {
            let env = env.id.clone();
            self.emit(
                now,
                EventKind::Failure {
                    env,
                    phase: FailurePhase::Invoke,
                    error_type: error_type.to_string(),
                },
                out,
            );
        }
        let line = format!(
            "{}\t{rid}\tERROR\tInvoke Error \t{{\"errorType\":\"{error_type}\",\"errorMessage\":{}}}",
            super::logs::rfc3339(self.wall_us(now)),
            serde_json::Value::String(message.chars().take(512).collect())
        );
        self.log(now, key, |_, _| line, out);
    }

    /// Ends a running invocation with what the runtime (or the platform) decided.
    fn finish(&mut self, now: Duration, id: u64, ending: Ending, out: &mut Vec<Effect>) {
        let Ending {
            outcome,
            status,
            body,
            answer,
        } = ending;
        let Some(inv) = self.invocations.get_mut(&id) else {
            return;
        };
        if !inv.running || inv.plan.is_some() {
            return;
        }
        let elapsed = now.saturating_sub(inv.started).as_secs_f64() * 1000.0;
        let memory_used_mb = self
            .pool
            .get(inv.key)
            .and_then(|env| env.memory_used_mb)
            .unwrap_or(self.cfg.runtime.preset().memory_used_mb);
        inv.answer = answer;
        inv.plan = Some(Course {
            duration_ms: elapsed,
            runs_ms: elapsed,
            outcome,
            status,
            body,
            memory_used_mb,
            error_type: None,
        });
        self.invoke_done(now, id, out);
    }

    /// A line the process printed: it goes to the environment's log stream.
    pub fn output(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        line: String,
        out: &mut Vec<Effect>,
    ) {
        if self.pool.get_current(key, serial).is_some() {
            self.log(now, key, |_, _| line, out);
        }
    }

    /// The process ended: mid-invocation it is a crash, during Init an init error,
    /// idle it is simply gone. The environment is destroyed either way.
    pub fn exited(&mut self, now: Duration, key: EnvKey, serial: u64, out: &mut Vec<Effect>) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        if env.phase == Phase::Initializing {
            self.init_failed(now, key, serial, "init", "Runtime.ExitError", out);
            return;
        }
        let running = self
            .invocations
            .iter()
            .find(|(_, inv)| {
                inv.key == key && inv.serial == serial && inv.running && inv.plan.is_none()
            })
            .map(|(id, _)| *id);
        match running {
            Some(id) => {
                let ending = Ending {
                    outcome: InvokeOutcome::Crash,
                    status: 502,
                    body: String::new(),
                    answer: None,
                };
                self.finish(now, id, ending, out);
            }
            None => self.destroy(now, key, DestroyReason::Crash, out),
        }
    }

    /// Init failed (an error posted, the process gone, or over the 10 s cap): the
    /// waiting request gets the front's error and the environment is destroyed.
    fn init_failed(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        status: &str,
        error_type: &str,
        out: &mut Vec<Effect>,
    ) {
        let Some(env) = self.pool.get_current(key, serial) else {
            return;
        };
        if env.phase != Phase::Initializing {
            return;
        }
        let env_id = env.id.clone();
        let init_ms = now.saturating_sub(env.born).as_secs_f64() * 1000.0;
        // INIT_REPORT's Status is `error` or `timeout`; the phase is always Init here.
        let _ = status;
        let waiting = self.waiting_init.remove(&key);
        let failure = InitFailure {
            init_ms,
            error_type,
            waiting,
        };
        self.fail_init(now, key, &env_id, failure, out);
    }

    pub(super) fn init_timeout(
        &mut self,
        now: Duration,
        key: EnvKey,
        serial: u64,
        out: &mut Vec<Effect>,
    ) {
        self.init_failed(now, key, serial, "timeout", "Runtime.InitTimeout", out);
    }

    /// The function timeout: the invocation ends as timed out and the runtime is
    /// replaced (a new process, whose Init the next invocation waits for).
    pub(super) fn invoke_timeout(&mut self, now: Duration, id: u64, out: &mut Vec<Effect>) {
        let Some(inv) = self.invocations.get(&id) else {
            return;
        };
        if !inv.running || inv.plan.is_some() {
            return;
        }
        let (key, serial) = (inv.key, inv.serial);
        self.finish(
            now,
            id,
            Ending {
                outcome: InvokeOutcome::Timeout,
                status: 502,
                body: String::new(),
                answer: None,
            },
            out,
        );
        if let Some(env) = self.pool.get_current(key, serial) {
            let (stream, init_type) = (env.stream.clone(), env.init_type);
            out.push(Effect::Spawn {
                key,
                serial,
                stream,
                init_type,
            });
        }
    }
}
