//! A token bucket refilled continuously: Lambda's scaling rate (1,000 environments, 100
//! more per second, unused capacity not banked beyond the cap) and API Gateway's stage
//! throttle (rate + burst) are both this.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    refill_per_s: f64,
    tokens: f64,
    updated: Duration,
}

impl TokenBucket {
    /// A full bucket at time `now`.
    pub fn new(capacity: u32, refill_per_s: f64, now: Duration) -> Self {
        Self {
            capacity: f64::from(capacity),
            refill_per_s,
            tokens: f64::from(capacity),
            updated: now,
        }
    }

    fn refill(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill_per_s).min(self.capacity);
        self.updated = self.updated.max(now);
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Duration) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: Duration) -> u64 {
        self.refill(now);
        self.tokens.floor() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(f64) -> Duration = Duration::from_secs_f64;

    #[test]
    fn burst_then_continuous_refill_capped() {
        let mut b = TokenBucket::new(1000, 100.0, S(0.0));
        let taken = (0..1500).filter(|_| b.try_take(S(0.0))).count();
        assert_eq!(taken, 1000);
        // 0.5 s later: 50 more, not a whole refill of 1,000.
        let taken = (0..1500).filter(|_| b.try_take(S(0.5))).count();
        assert_eq!(taken, 50);
        // Idle far longer than needed: capped at capacity, not banked beyond it.
        assert_eq!(b.available(S(1000.0)), 1000);
    }

    #[test]
    fn time_going_backwards_does_not_mint_tokens() {
        let mut b = TokenBucket::new(1, 1.0, S(10.0));
        assert!(b.try_take(S(10.0)));
        assert!(!b.try_take(S(5.0)));
        assert!(!b.try_take(S(10.5)));
        assert!(b.try_take(S(11.0)));
    }
}
