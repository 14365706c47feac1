//! The clock probes: every worker asked for its clock (and one connection to the target
//! timed) a few rounds over, all at once each round. They measure the offset, per
//! environment, and the lead; the first round also starts the workers' environments.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::invoke::{Billing, Invoked, describe, invoke};
use super::{FanOut, Shot};
use crate::burst::fanout::Sample;
use crate::burst::fanout::worker::{Call, ClockAnswer, ClockCall};
use crate::clock::wall_now_us;
use aws_sdk_lambda::Client;

/// Rounds of clock probes, each to every worker at once: the first starts the workers'
/// environments (cold), the later ones measure them warm.
pub const PROBE_ROUNDS: u32 = 3;
/// Connections a worker opens at once (the engine's bound): its share connects in
/// batches of this many.
const CONNECT_BATCH: u64 = 256;
/// The lead is the slowest measured start times this, plus [`LEAD_MARGIN`].
const LEAD_FACTOR: f64 = 1.5;
const LEAD_MARGIN: Duration = Duration::from_millis(100);
/// What the clock probes measured.
pub struct Probed {
    /// Per environment (unnamed ones under ""), its samples.
    pub samples: HashMap<String, Vec<Sample>>,
    /// The slowest probe, send to answer: an invocation with a cold start.
    pub slowest: Duration,
    /// The slowest single connection to the target, from a worker.
    pub connect: Duration,
    pub answered: u32,
    pub first_error: Option<String>,
    pub billing: Billing,
}

/// Probes every worker's clock `rounds` times, all workers at once each round.
pub async fn probe(client: &Client, f: &FanOut, shot: &Shot, rounds: u32) -> Probed {
    let call = serde_json::to_vec(&Call::Clock(ClockCall {
        target: Some(shot.target.clone()),
        endpoint_url: shot.target_endpoint_url.clone(),
    }))
    .unwrap_or_default();
    let mut p = Probed {
        samples: HashMap::new(),
        slowest: Duration::ZERO,
        connect: Duration::ZERO,
        answered: 0,
        first_error: None,
        billing: Billing::default(),
    };
    for _ in 0..rounds {
        let mut set = JoinSet::new();
        for _ in 0..f.workers {
            let (client, function, call) = (client.clone(), f.function.clone(), call.clone());
            set.spawn(async move {
                let (sent_us, began) = (wall_now_us(), Instant::now());
                let invoked = invoke(&client, &function, call).await;
                (sent_us, wall_now_us(), began.elapsed(), invoked)
            });
        }
        while let Some(joined) = set.join_next().await {
            let Ok((sent_us, received_us, took, (invoked, tail))) = joined else {
                continue;
            };
            p.billing.add(tail.as_ref());
            let answer = match invoked {
                Invoked::Answer(bytes) => serde_json::from_slice::<ClockAnswer>(&bytes).map_err(|e| {
                    format!("the clock probe's answer is not the burst worker's ({e}); is --worker thaw's burst worker?")
                }),
                other => Err(describe(&other)),
            };
            match answer {
                Ok(a) => {
                    p.answered += 1;
                    p.slowest = p.slowest.max(took);
                    p.connect = p
                        .connect
                        .max(Duration::from_micros(a.connect_us.unwrap_or(0)));
                    if let (Some(e), None) = (&a.error, &p.first_error) {
                        p.first_error =
                            Some(format!("a worker could not connect to the target: {e}"));
                    }
                    p.samples
                        .entry(a.env.unwrap_or_default())
                        .or_default()
                        .push(Sample {
                            sent_us,
                            worker_us: a.now_us,
                            received_us,
                        });
                }
                Err(e) => {
                    p.first_error.get_or_insert(e);
                }
            }
        }
    }
    p
}

/// The lead the probes call for: the slowest invocation (a cold start among them) and a
/// share's connects, with room to spare.
pub fn measured_lead(p: &Probed, share: u64) -> Duration {
    let batches = u32::try_from(share.div_ceil(CONNECT_BATCH).max(1)).unwrap_or(u32::MAX);
    (p.slowest + p.connect * batches).mul_f64(LEAD_FACTOR) + LEAD_MARGIN
}
