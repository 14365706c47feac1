//! Fanning a burst out over W Lambda workers: how the requests are shared, where the
//! workers' clocks stand against thaw's and when to release (pure arithmetic on epoch
//! microseconds); what thaw and a worker say to each other (`worker`); what a worker
//! does (`work`).

use std::time::Duration;

pub mod work;
pub mod worker;

/// Splits `n` requests over `workers` as evenly as can be: the first `n % workers` carry
/// one more. No worker gets a share of nothing unless there are more workers than
/// requests.
pub fn shares(n: u64, workers: u32) -> Vec<u64> {
    let w = u64::from(workers.max(1));
    (0..w).map(|i| n / w + u64::from(i < n % w)).collect()
}

/// One timed probe of a worker, NTP-style: thaw's clock when it sent the invocation and
/// when the answer came, and the worker's clock while it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub sent_us: i64,
    pub worker_us: i64,
    pub received_us: i64,
}

/// Where a worker's clock stands: `worker = thaw + offset_us`, known to within
/// `± uncertainty_us` (half the round trip of the probe it comes from).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offset {
    pub offset_us: i64,
    pub uncertainty_us: i64,
}

/// The offset from the probe with the shortest round trip: its bound is the tightest,
/// as NTP's clock filter takes it. `None` without a usable sample (one answered before it
/// was sent is a broken clock, not a sample).
pub fn estimate(samples: &[Sample]) -> Option<Offset> {
    samples
        .iter()
        .filter(|s| s.received_us >= s.sent_us)
        .min_by_key(|s| s.received_us.saturating_sub(s.sent_us))
        .map(|s| {
            // Saturating throughout: a broken worker's clock may say anything.
            let rtt = s.received_us.saturating_sub(s.sent_us);
            let midpoint = s.sent_us.saturating_add(rtt / 2);
            Offset {
                offset_us: s.worker_us.saturating_sub(midpoint),
                uncertainty_us: rtt.saturating_add(1) / 2,
            }
        })
}

/// The release instant on thaw's clock: far enough ahead for the slowest worker to be
/// invoked, start cold and connect (`lead`, measured), plus the offset's uncertainty.
pub fn release_at(now_us: i64, lead: Duration, offset: Offset) -> i64 {
    let lead_us = i64::try_from(lead.as_micros()).unwrap_or(i64::MAX);
    now_us
        .saturating_add(lead_us)
        .saturating_add(offset.uncertainty_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_even_and_add_up() {
        assert_eq!(shares(10_000, 20), vec![500; 20]);
        assert_eq!(shares(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(shares(3, 5), vec![1, 1, 1, 0, 0]);
        assert_eq!(shares(7, 0), vec![7], "at least one worker");
        for (n, w) in [(0, 3), (1, 1), (12_345, 16)] {
            assert_eq!(shares(n, w).iter().sum::<u64>(), n);
        }
    }

    #[test]
    fn the_shortest_round_trip_gives_the_offset() {
        let samples = [
            // 40 ms round trip: a loose bound.
            Sample {
                sent_us: 0,
                worker_us: 25_000,
                received_us: 40_000,
            },
            // 4 ms round trip, the worker 3 ms ahead of the midpoint.
            Sample {
                sent_us: 100_000,
                worker_us: 105_000,
                received_us: 104_000,
            },
            // Answered before it was sent: ignored.
            Sample {
                sent_us: 200_000,
                worker_us: 0,
                received_us: 199_000,
            },
        ];
        assert_eq!(
            estimate(&samples),
            Some(Offset {
                offset_us: 3_000,
                uncertainty_us: 2_000
            })
        );
        assert_eq!(estimate(&[]), None);
        let wild = Sample {
            sent_us: i64::MIN,
            worker_us: i64::MAX,
            received_us: i64::MAX,
        };
        assert!(estimate(&[wild]).is_some(), "no overflow on any clock");
    }

    #[test]
    fn release_leaves_room_for_the_lead_and_the_uncertainty() {
        let offset = Offset {
            offset_us: 0,
            uncertainty_us: 1_500,
        };
        assert_eq!(
            release_at(1_000_000, Duration::from_millis(800), offset),
            1_801_500
        );
    }
}
