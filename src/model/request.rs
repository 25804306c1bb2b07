//! Request classes: which kind of request each client sends.
//!
//! A scenario's `[[request]]` tables split arrivals into classes by share ("80 % browse, 20 %
//! check out"). With fixed arrivals the split must be exact and deterministic, so classes are
//! dealt by smooth weighted round-robin: at each client every class's credit grows by its
//! share, the largest credit wins (ties to the first in file order) and the winner's credit
//! drops by 1. Shares 0.25/0.75 then give exactly one client in four to the first class, and
//! over any n clients each class gets its share of n to within one client.

/// Credits closer than this count as equal: shares such as 0.1 and 0.2 are not exact in
/// binary, and a tie that exact arithmetic would have must still go to the first class.
const TIE: f64 = 1e-9;

/// The class of each of `clients` clients, by smooth weighted round-robin over `shares`
/// (which sum to 1).
pub fn deal(shares: &[f64], clients: usize) -> Vec<u32> {
    let mut credit = vec![0.0f64; shares.len()];
    let mut out = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut best = 0;
        for (i, share) in shares.iter().enumerate() {
            credit[i] += share;
            if credit[i] > credit[best] + TIE {
                best = i;
            }
        }
        credit[best] -= 1.0;
        out.push(best as u32);
    }
    out
}

/// [`deal`] one client at a time, for a count not known in advance (a closed loop's requests):
/// the n-th call gives the class `deal` gives the n-th client.
pub struct Dealer {
    shares: Vec<f64>,
    credit: Vec<f64>,
}

impl Dealer {
    /// A dealer over `shares` (which sum to 1), before its first client.
    pub fn new(shares: &[f64]) -> Dealer {
        Dealer {
            shares: shares.to_vec(),
            credit: vec![0.0; shares.len()],
        }
    }

    /// The next client's class.
    pub fn next_class(&mut self) -> u32 {
        let mut best = 0;
        for (i, share) in self.shares.iter().enumerate() {
            self.credit[i] += share;
            if self.credit[i] > self.credit[best] + TIE {
                best = i;
            }
        }
        self.credit[best] -= 1.0;
        best as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dealer_deals_as_deal_does() {
        for shares in [vec![0.8, 0.2], vec![0.3, 0.1, 0.2, 0.4], vec![1.0]] {
            let mut d = Dealer::new(&shares);
            let one_by_one: Vec<u32> = (0..50).map(|_| d.next_class()).collect();
            assert_eq!(one_by_one, deal(&shares, 50), "{shares:?}");
        }
    }

    fn counts(classes: &[u32], n: usize) -> Vec<usize> {
        (0..n)
            .map(|c| classes.iter().filter(|&&k| k == c as u32).count())
            .collect()
    }

    #[test]
    fn a_quarter_is_exactly_one_in_four() {
        let classes = deal(&[0.25, 0.75], 12);
        assert_eq!(classes, vec![1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1]);
    }

    #[test]
    fn one_class_takes_everyone() {
        assert_eq!(deal(&[1.0], 5), vec![0; 5]);
    }

    #[test]
    fn ties_go_to_the_first_class_even_in_inexact_binary() {
        // 0.1 + 0.2 ≠ 0.3 in binary; the tie at the third client must still go to class 0.
        let classes = deal(&[0.5, 0.5], 4);
        assert_eq!(classes, vec![0, 1, 0, 1]);
        let classes = deal(&[0.3, 0.1, 0.2, 0.4], 10);
        assert_eq!(counts(&classes, 4), vec![3, 1, 2, 4]);
    }

    #[test]
    fn every_prefix_is_within_one_client_of_its_share() {
        let shares = [0.8, 0.15, 0.05];
        let classes = deal(&shares, 1000);
        for n in 1..=1000 {
            let got = counts(&classes[..n], 3);
            for (c, share) in shares.iter().enumerate() {
                let want = share * n as f64;
                assert!(
                    (got[c] as f64 - want).abs() <= 1.0 + 1e-9,
                    "prefix {n}: class {c} has {} for {want}",
                    got[c]
                );
            }
        }
    }
}
