//! Where a run from an empty queue reaches its steady state: MSER-5 (White, 1997; White,
//! Cobb and Spratt, 2000), the warm-up rule simulation texts recommend for a single run.
//!
//! A load test starts with every queue empty, so its first clients wait less than the
//! service ever will again once the queue has built up. `optimize --sustained` asks whether
//! the rate holds for good, so the figures it judges must leave that start out: cut where
//! the mean of what follows is known most precisely. MSER ("marginal standard error rule")
//! picks the cut `d` minimising `Σ_{j>d} (Z_j − Z̄_d)² / (m − d)²` over the batch means `Z_j`
//! of 5 consecutive clients (the "-5"), which smooths the noise of single latencies. When
//! the best cut lies in the run's second half the run never settled: it is too short to
//! show a steady state, and must be run longer before it is judged.

use serde::Serialize;

/// How many consecutive observations each batch mean takes.
pub const BATCH: usize = 5;

/// Where MSER-5 cuts a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cut {
    /// Observations to leave out from the start (a multiple of [`BATCH`]).
    pub warmup: usize,
    /// Whether the cut lies in the first half of the series: the run settled. Otherwise
    /// the series still drifts where it ends, and no cut leaves a steady state to judge.
    pub settled: bool,
}

/// How a test judged on its steady state ran: what a report says of how long it simulated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SteadyRun {
    /// Clients each replication simulated, warm-up included (more than asked when a run
    /// had to be lengthened to settle).
    pub clients: u32,
    /// The longest warm-up MSER-5 cut from a replication, in clients.
    pub warmup: u32,
    /// Whether every replication settled: when one never did, even at its longest, the
    /// test cannot say that the rate holds for good, and is too close to call.
    pub settled: bool,
    /// Virtual seconds the longest replication ran, until its last client ended.
    pub seconds: f64,
}

/// MSER-5's cut of `series` (observations in the order they arrived). A series too short to
/// hold two batches is not cut, and is not settled.
pub fn mser5(series: &[f64]) -> Cut {
    let m = series.len() / BATCH;
    if m < 2 {
        return Cut {
            warmup: 0,
            settled: false,
        };
    }
    let z: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|b| b.iter().sum::<f64>() / BATCH as f64)
        .collect();
    cut_by_scan(&z)
}

/// The cut minimising the MSER statistic over batch means `z` (at least two), scanned from
/// the end with running sums of `z` and `z²`, so each cut costs O(1): the sum of squares
/// about the mean of the `k` batches kept is `Σz² − (Σz)²/k`. Ties keep the earlier cut.
///
/// At least a quarter of the batches (and two) stay: the statistic of a short tail is
/// itself noisy, and a few batches that happen to lie close together would otherwise look
/// like the steadiest part of a run that settled long before (with 2 batches kept, about one
/// stationary run in twenty-five). A run still drifting at its end cuts past its half anyway.
fn cut_by_scan(z: &[f64]) -> Cut {
    let m = z.len();
    let (mut sum, mut squares) = (0.0_f64, 0.0_f64);
    let tail = (m / 4).max(2);
    let mut stats = vec![f64::INFINITY; m + 1 - tail];
    for d in (0..m).rev() {
        sum += z[d];
        squares += z[d] * z[d];
        let kept = (m - d) as f64;
        if m - d >= tail {
            let ss = (squares - sum * sum / kept).max(0.0);
            stats[d] = ss / (kept * kept);
        }
    }
    let mut best = 0;
    for (d, &s) in stats.iter().enumerate() {
        if s < stats[best] {
            best = d;
        }
    }
    Cut {
        warmup: best * BATCH,
        settled: best <= m / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statistic written out as its definition, for every cut: what the scan must equal.
    fn by_definition(z: &[f64]) -> usize {
        let m = z.len();
        let mut best = (f64::INFINITY, 0);
        for d in 0..=m - (m / 4).max(2) {
            let kept = &z[d..];
            let mean = kept.iter().sum::<f64>() / kept.len() as f64;
            let ss: f64 = kept.iter().map(|x| (x - mean) * (x - mean)).sum();
            let s = ss / (kept.len() * kept.len()) as f64;
            if s < best.0 - 1e-15 {
                best = (s, d);
            }
        }
        best.1
    }

    fn lcg(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn a_stationary_series_is_not_cut_much_and_settles() {
        let mut seed = 7;
        let series: Vec<f64> = (0..5000).map(|_| lcg(&mut seed)).collect();
        let cut = mser5(&series);
        assert!(cut.settled, "{cut:?}");
        assert!(cut.warmup < 2500, "{cut:?}");
    }

    #[test]
    fn stationary_runs_are_seldom_taken_for_unsettled_ones() {
        // Ten replications are judged together and one unsettled run lengthens them all:
        // a false alarm must be rare, not one run in twenty-five.
        let mut seed = 13;
        let unsettled = (0..400)
            .filter(|_| {
                let series: Vec<f64> = (0..1000).map(|_| lcg(&mut seed)).collect();
                !mser5(&series).settled
            })
            .count();
        assert!(unsettled <= 2, "{unsettled} of 400");
    }

    #[test]
    fn a_ramp_from_empty_is_cut_where_it_levels() {
        // 1000 observations climbing from 0 to 1, then 4000 around 1: the warm-up is the climb.
        let mut seed = 3;
        let series: Vec<f64> = (0..5000)
            .map(|i| (i as f64 / 1000.0).min(1.0) + 0.05 * (lcg(&mut seed) - 0.5))
            .collect();
        let cut = mser5(&series);
        assert!(cut.settled, "{cut:?}");
        assert!((700..=1300).contains(&cut.warmup), "{cut:?}");
        assert_eq!(cut.warmup % BATCH, 0);
    }

    #[test]
    fn a_series_still_climbing_at_its_end_does_not_settle() {
        // A queue that grows for the whole run: the best cut is in its second half.
        let mut seed = 11;
        let series: Vec<f64> = (0..2000)
            .map(|i| (i as f64 / 100.0).powi(2) + 0.1 * lcg(&mut seed))
            .collect();
        assert!(!mser5(&series).settled);
    }

    #[test]
    fn the_scan_equals_the_definition() {
        let mut seed = 5;
        for case in 0..50 {
            let m = 2 + case % 40;
            let z: Vec<f64> = (0..m)
                .map(|j| lcg(&mut seed) + if j < case % 7 { 3.0 } else { 0.0 })
                .collect();
            assert_eq!(cut_by_scan(&z).warmup, by_definition(&z) * BATCH, "{z:?}");
        }
    }

    #[test]
    fn too_short_to_judge() {
        assert_eq!(
            mser5(&[1.0; 9]),
            Cut {
                warmup: 0,
                settled: false
            }
        );
    }
}
