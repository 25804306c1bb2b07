//! What a configuration costs: CPU cores, GiB of RAM, and their price.
//!
//! Each station costs `fixed + per_unit × units` (or per portion for a batch station), so the
//! seed's increments hold exactly: a second soda machine doubles the soda service's cores and
//! RAM, a fourth cook adds a third of the baseline kitchen, a 7-portion fryer adds 40 % of the
//! fryer's RAM.

use serde::Serialize;

use crate::config::Config;
use crate::scenario::{Prices, Scenario};

/// Resources and price of one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    pub cpu_cores: f64,
    pub ram_gib: f64,
    pub price: f64,
}

/// One station's share of a cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StationCost {
    pub cpu_cores: f64,
    pub ram_gib: f64,
}

impl Cost {
    pub fn of(scenario: &Scenario, config: &Config, prices: &Prices) -> Cost {
        let (cpu, ram) = per_station(scenario, config)
            .iter()
            .fold((0.0, 0.0), |(c, r), s| (c + s.cpu_cores, r + s.ram_gib));
        Cost {
            cpu_cores: cpu,
            ram_gib: ram,
            price: cpu * prices.cpu + ram * prices.ram,
        }
    }

    /// The price as an integer of millionths: costs are ordered and tied on this key, so that
    /// float noise (0.1 + 0.2) never decides between two configurations.
    pub fn key(&self) -> i64 {
        (self.price * 1e6).round() as i64
    }
}

/// Each station's cores and RAM at this configuration, in scenario order.
pub fn per_station(scenario: &Scenario, config: &Config) -> Vec<StationCost> {
    scenario
        .stations
        .iter()
        .zip(config.values())
        .map(|(s, &v)| StationCost {
            cpu_cores: s.cpu_fixed + s.cpu_per_unit * v as f64,
            ram_gib: s.ram_gib_fixed + s.ram_gib_per_unit * v as f64,
        })
        .collect()
}

/// Rounds away float noise for display and CSV (1e-9 of a unit).
pub fn tidy(v: f64) -> f64 {
    let t = (v * 1e9).round() / 1e9;
    if t == 0.0 {
        0.0
    } else {
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station_cost(s: &Scenario, values: Vec<u32>, station: usize) -> StationCost {
        per_station(s, &Config::new(values))[station]
    }

    #[test]
    fn seed_increments_hold() {
        let s = Scenario::embedded();
        let base = vec![1, 3, 5];
        // One more soda machine: +1 core, +100 % of the soda service's RAM.
        let (b, u) = (
            station_cost(&s, base.clone(), 0),
            station_cost(&s, vec![2, 3, 5], 0),
        );
        assert_eq!(u.cpu_cores - b.cpu_cores, 1.0);
        assert!((u.ram_gib / b.ram_gib - 2.0).abs() < 1e-12);
        // One more cook: +1 core, +1/3 of the baseline kitchen's RAM.
        let (b, u) = (
            station_cost(&s, base.clone(), 1),
            station_cost(&s, vec![1, 4, 5], 1),
        );
        assert_eq!(u.cpu_cores - b.cpu_cores, 1.0);
        assert!(((u.ram_gib - b.ram_gib) / b.ram_gib - 1.0 / 3.0).abs() < 1e-12);
        // The 7-portion fryer: +40 % of the fryer's RAM, no CPU.
        let (b, u) = (
            station_cost(&s, base.clone(), 2),
            station_cost(&s, vec![1, 3, 7], 2),
        );
        assert_eq!(u.cpu_cores, b.cpu_cores);
        assert!((u.ram_gib / b.ram_gib - 1.4).abs() < 1e-12);
    }

    #[test]
    fn price_is_cores_and_gib_at_their_prices() {
        let s = Scenario::embedded();
        let c = Cost::of(&s, &Config::baseline(&s), &s.prices);
        assert_eq!(c.cpu_cores, 4.0);
        assert!((c.ram_gib - 2.75).abs() < 1e-12);
        assert!((c.price - (4.0 * s.prices.cpu + 2.75 * s.prices.ram)).abs() < 1e-9);
    }
}
