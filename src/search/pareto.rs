//! The cost-vs-satisfaction Pareto frontier of the configurations a search load-tested: those
//! that no other beats on both, which the searches' picture joins as a staircase. It is a
//! figure of the search, computed here once, so that the picture only draws it.

use super::Evaluated;

/// Indices in `rows` of their Pareto frontier (see [`frontier_of`]), each row a point at its
/// price and its satisfaction.
pub fn frontier(rows: &[Evaluated]) -> Vec<usize> {
    let points: Vec<(f64, f64)> = rows
        .iter()
        .map(|e| (e.candidate.cost.price, e.summary.satisfaction))
        .collect();
    frontier_of(&points)
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
