//! Fixed-size latency histograms: memory does not grow with the number of samples.

use hdrhistogram::Histogram;

/// Highest value recorded, in microseconds: one hour. Larger samples are clamped.
pub const MAX_US: u64 = 3_600_000_000;

/// A histogram of microseconds from 1 µs to an hour at 3 significant digits (about
/// 180 KB, whatever the traffic).
#[expect(
    clippy::expect_used,
    reason = "constant bounds that hdrhistogram accepts"
)]
pub fn micros() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds")
}

/// Records a duration in microseconds, clamped into the histogram's range.
pub fn record_us(h: &mut Histogram<u64>, us: u64) {
    let _ = h.record(us.clamp(1, MAX_US));
}
