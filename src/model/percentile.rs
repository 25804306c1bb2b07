//! The one percentile planner shows: nearest rank. A run's p50, a time window's p99 and a
//! sample file's p95 are all the smallest value that at least p % of the values do not
//! exceed, so each is a value some client (or sample) really had, never an interpolation
//! between two, and the same values give the same figure in every report and format.
//!
//! The rank is ⌈p · n / 100⌉, computed as `p · n` first: `p / 100` is inexact for most p
//! (0.07 is a little more than 7/100), and ⌈0.07 · 100⌉ would be 8, one rank past the
//! definition. For a whole p and fewer than 2^46 values `p · n` is exact and the division
//! by 100 rounds to the nearest double, which cannot cross a whole number.

/// The 1-based rank of the nearest-rank `p` % percentile of `n` values (n ≥ 1): the fewest
/// values, counted from the smallest, that make at least `p` % of them. At least 1 (p = 0
/// is the smallest value) and at most `n` (p = 100 is the largest).
pub fn rank(n: usize, p: f64) -> usize {
    ((p * n as f64 / 100.0).ceil().max(1.0) as usize).min(n)
}

/// The nearest-rank `p` % percentile of `sorted` (smallest first); `None` without values.
pub fn of<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    (!sorted.is_empty()).then(|| sorted[rank(sorted.len(), p) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, read literally: the smallest value with at least p % of the values at
    /// or below it (counted exactly, in whole numbers: `count · 100 ≥ p · n`).
    fn by_definition(values: &[u64], p: u32) -> Option<u64> {
        let n = values.len() as u64;
        let mut candidates: Vec<u64> = values.to_vec();
        candidates.sort_unstable();
        candidates.into_iter().find(|&v| {
            let at_or_below = values.iter().filter(|&&x| x <= v).count() as u64;
            at_or_below * 100 >= u64::from(p) * n
        })
    }

    #[test]
    fn the_ends_are_the_smallest_and_the_largest_value() {
        let sorted = [2.0, 3.0, 5.0, 8.0];
        assert_eq!(of(&sorted, 0.0), Some(2.0));
        assert_eq!(of(&sorted, 100.0), Some(8.0));
        assert_eq!(rank(4, 0.0), 1);
        assert_eq!(rank(4, 100.0), 4);
    }

    #[test]
    fn one_value_is_every_percentile_and_none_has_none() {
        for p in [0.0, 1.0, 50.0, 99.0, 100.0] {
            assert_eq!(of(&[7u64], p), Some(7));
        }
        assert_eq!(of::<u64>(&[], 50.0), None);
    }

    #[test]
    fn ties_give_the_tied_value() {
        let sorted = [1, 4, 4, 4, 4, 4, 4, 4, 4, 9];
        assert_eq!(of(&sorted, 10.0), Some(1));
        assert_eq!(of(&sorted, 11.0), Some(4));
        assert_eq!(of(&sorted, 50.0), Some(4));
        assert_eq!(of(&sorted, 90.0), Some(4));
        assert_eq!(of(&sorted, 91.0), Some(9));
    }

    #[test]
    fn exactly_p_percent_is_enough() {
        // 7 of 100 values is 7 %: the 7th value, not the 8th (⌈0.07 · 100⌉ would be 8).
        let sorted: Vec<u64> = (1..=100).collect();
        assert_eq!(rank(100, 7.0), 7);
        assert_eq!(of(&sorted, 7.0), Some(7));
        // Half of ten is the 5th; a hair more is the 6th.
        assert_eq!(rank(10, 50.0), 5);
        assert_eq!(rank(10, 50.5), 6);
    }

    #[test]
    fn every_whole_percentile_of_random_values_is_the_definitions() {
        // A small xorshift: varied lengths and many ties, the same every run.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let n = (next() % 250 + 1) as usize;
            let spread = next() % 40 + 1;
            let values: Vec<u64> = (0..n).map(|_| next() % spread).collect();
            let mut sorted = values.clone();
            sorted.sort_unstable();
            for p in 0..=100 {
                assert_eq!(
                    of(&sorted, f64::from(p)),
                    by_definition(&values, p),
                    "p{p} of {sorted:?}"
                );
            }
        }
    }
}
