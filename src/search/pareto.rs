//! What the searches' cost-vs-satisfaction picture and counts show of the configurations
//! load-tested, beyond each one's own figures: how many meet the target, the cheapest that
//! does, and the Pareto frontier (those that no other beats on both), which the picture joins
//! as a staircase. They are figures of the search, computed here once, so that every format
//! only shows them.

use super::Evaluated;

/// The figures of some configurations load-tested, in rank order (cheapest first).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// How many meet the target.
    pub passing: usize,
    /// How many do not.
    pub failing: usize,
    /// The index of the first that meets the target: in rank order, the cheapest.
    pub cheapest: Option<usize>,
    /// Indices of their Pareto frontier, each a point at its price and its satisfaction
    /// ([`frontier_of`]), cheapest first.
    pub frontier: Vec<usize>,
}

impl Figures {
    /// The figures of `rows`.
    pub fn of(rows: &[Evaluated]) -> Figures {
        let passing = rows.iter().filter(|e| e.summary.meets_target).count();
        let points: Vec<(f64, f64)> = rows
            .iter()
            .map(|e| (e.candidate.cost.price, e.summary.satisfaction))
            .collect();
        Figures {
            passing,
            failing: rows.len() - passing,
            cheapest: rows.iter().position(|e| e.summary.meets_target),
            frontier: frontier_of(&points),
        }
    }
}

/// Indices of the Pareto frontier of `(cost, satisfaction)` points, sorted by cost: the
/// points that no other point beats, where `a` beats `b` when `a.cost <= b.cost` and
/// `a.satisfaction >= b.satisfaction` with one of the two strict. Of several identical
/// points, only the first is returned. Non-finite points are ignored.
pub fn frontier_of(points: &[(f64, f64)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].0.is_finite() && points[i].1.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        let ((ca, sa), (cb, sb)) = (points[a], points[b]);
        ca.total_cmp(&cb).then(sb.total_cmp(&sa)).then(a.cmp(&b))
    });
    let mut best = f64::NEG_INFINITY;
    let mut frontier = Vec::new();
    for i in order {
        if points[i].1 > best {
            best = points[i].1;
            frontier.push(i);
        }
    }
    frontier
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Config;
    use crate::model::cost::Cost;
    use crate::outcome::stats::Summary;
    use crate::outcome::verdict::Call;
    use crate::search::Candidate;

    /// A configuration tested at this price with this satisfied share, meeting a 100 % target
    /// only when every client was satisfied.
    fn row(price: f64, satisfaction: f64) -> Evaluated {
        let meets_target = satisfaction >= 100.0;
        Evaluated {
            candidate: Candidate {
                config: Config::new(vec![price as u32]),
                cost: Cost {
                    cpu_cores: 1.0,
                    ram_gib: 1.0,
                    price,
                },
                changed: 0,
            },
            summary: Summary {
                clients: 10,
                satisfied: (satisfaction / 10.0) as usize,
                satisfaction,
                p50_steps: 1,
                p95_steps: 1,
                p99_steps: 1,
                max_steps: 1,
                mean_steps: 1.0,
                meets_target,
                spread: None,
                classes: Vec::new(),
                throughput: None,
            },
            classes: Vec::new(),
            call: if meets_target {
                Call::Meets
            } else {
                Call::Fails
            },
            cut_short: false,
        }
    }

    #[test]
    fn figures_count_what_meets_and_find_the_cheapest_that_does() {
        // In rank order: cheapest first.
        let rows = [
            row(100.0, 50.0),
            row(110.0, 40.0),
            row(120.0, 100.0),
            row(130.0, 90.0),
            row(140.0, 100.0),
        ];
        let f = Figures::of(&rows);
        assert_eq!((f.passing, f.failing, f.cheapest), (2, 3, Some(2)));
        // 110 is beaten by 100, 130 and 140 by 120.
        assert_eq!(f.frontier, vec![0, 2]);
        let none = Figures::of(&rows[..2]);
        assert_eq!((none.passing, none.failing, none.cheapest), (0, 2, None));
        assert_eq!(Figures::of(&[]), Figures::default());
    }

    #[test]
    fn the_frontier_keeps_only_undominated_points_cheapest_first() {
        let points = [
            (200.0, 80.0),  // 0: frontier
            (131.0, 50.0),  // 1: frontier (cheapest)
            (150.0, 50.0),  // 2: beaten by 1 (cheaper, as satisfied)
            (200.0, 70.0),  // 3: beaten by 0 (same cost, more satisfied)
            (250.0, 100.0), // 4: frontier
            (300.0, 100.0), // 5: beaten by 4
            (131.0, 50.0),  // 6: identical to 1: only the first is kept
            (140.0, 60.0),  // 7: frontier
            (f64::NAN, 100.0),
            (100.0, f64::INFINITY),
        ];
        assert_eq!(frontier_of(&points), vec![1, 7, 0, 4]);
        assert!(frontier_of(&[]).is_empty());
        assert_eq!(frontier_of(&[(1.0, 1.0)]), vec![0]);
        // A dearer point that is no more satisfied never joins, whatever its place.
        assert_eq!(frontier_of(&[(2.0, 5.0), (1.0, 5.0)]), vec![1]);
    }
}
