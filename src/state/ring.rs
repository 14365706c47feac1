//! A fixed window of per-slot values (one slot per second, or per metric period), keyed
//! by absolute slot number: memory is set at creation, whatever the run's length.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct Ring<T> {
    capacity: usize,
    /// Slot number of `values[0]`.
    first: u64,
    values: VecDeque<T>,
}

impl<T: Clone + Default> Ring<T> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            first: 0,
            values: VecDeque::with_capacity(capacity.max(1)),
        }
    }

    /// The newest slot number, if any.
    pub fn last_slot(&self) -> Option<u64> {
        (!self.values.is_empty()).then(|| self.first + self.values.len() as u64 - 1)
    }

    /// The value of `slot`, creating it (and the empty slots between) when it is newer
    /// than the newest, or older than the oldest while the window has room (CloudWatch
    /// answers newest first); `None` when it is older than the window.
    pub fn slot_mut(&mut self, slot: u64) -> Option<&mut T> {
        if self.values.is_empty() {
            self.first = slot;
        }
        if slot < self.first {
            let gap = usize::try_from(self.first - slot).ok()?;
            if self.values.len() + gap > self.capacity {
                return None;
            }
            for _ in 0..gap {
                self.values.push_front(T::default());
            }
            self.first = slot;
        }
        let index = usize::try_from(slot - self.first).ok()?;
        if index >= self.values.len() {
            let gap = index + 1 - self.values.len();
            if gap > self.capacity {
                // A jump past the whole window: start afresh.
                self.values.clear();
                self.first = slot;
                self.values.push_back(T::default());
            } else {
                for _ in 0..gap {
                    self.values.push_back(T::default());
                }
            }
            while self.values.len() > self.capacity {
                self.values.pop_front();
                self.first += 1;
            }
        }
        let index = usize::try_from(slot - self.first).ok()?;
        self.values.get_mut(index)
    }

    pub fn get(&self, slot: u64) -> Option<&T> {
        let index = usize::try_from(slot.checked_sub(self.first)?).ok()?;
        self.values.get(index)
    }

    /// The newest `n` slots ending at `last` (oldest first), empty slots as default.
    pub fn window(&self, last: u64, n: usize) -> Vec<T> {
        let start = last.saturating_sub(n.saturating_sub(1) as u64);
        (start..=last)
            .map(|s| self.get(s).cloned().unwrap_or_default())
            .collect()
    }

    /// The oldest slot held, if any.
    pub fn first_slot(&self) -> Option<u64> {
        (!self.values.is_empty()).then_some(self.first)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn clear(&mut self) {
        self.values.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_newest_capacity_slots() {
        let mut r: Ring<u32> = Ring::new(3);
        for s in 10..20 {
            *r.slot_mut(s).unwrap() += 1;
        }
        assert_eq!(r.len(), 3);
        assert_eq!(r.last_slot(), Some(19));
        assert_eq!(r.get(16), None);
        assert_eq!(r.window(19, 4), vec![0, 1, 1, 1]);
        assert!(r.slot_mut(5).is_none(), "too old");
    }

    #[test]
    fn late_updates_land_in_place_and_gaps_are_default() {
        let mut r: Ring<f64> = Ring::new(10);
        *r.slot_mut(100).unwrap() = 1.0;
        *r.slot_mut(103).unwrap() = 4.0;
        *r.slot_mut(101).unwrap() = 2.0;
        assert_eq!(r.window(103, 4), vec![1.0, 2.0, 0.0, 4.0]);
        *r.slot_mut(1_000_000).unwrap() = 9.0;
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn newest_first_answers_fill_backwards_while_there_is_room() {
        let mut r: Ring<f64> = Ring::new(4);
        *r.slot_mut(10).unwrap() = 3.0;
        *r.slot_mut(8).unwrap() = 1.0;
        *r.slot_mut(7).unwrap() = 0.5;
        assert_eq!(r.window(10, 4), vec![0.5, 1.0, 0.0, 3.0]);
        assert!(r.slot_mut(6).is_none(), "the window is full");
        assert_eq!(r.last_slot(), Some(10));
    }
}
