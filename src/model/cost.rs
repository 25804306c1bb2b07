//! What a configuration costs: CPU cores, GiB of RAM, and their price.
//!
//! Each station costs `fixed + per_unit × units` (or per portion for a batch station), so the
//! seed's increments hold exactly: a second soda machine doubles the soda service's cores and
//! RAM, a fourth cook adds a third of the baseline kitchen, a 7-portion fryer adds 40 % of the
//! fryer's RAM.

use serde::Serialize;

use crate::model::config::Config;
use crate::model::scenario::{Prices, Scenario};

/// Hours in a month: scenario prices are per month, and a run's unit-time is priced by the
/// hour (730 h = 365 days × 24 h / 12 months, the figure cloud providers bill by).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// What one pool's units cost over a run: its unit-time and the price of one unit-hour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitPrice {
    /// One unit for one hour: its cores and GiB at the month's prices over 730 h.
    pub unit_hour: f64,
    /// The station's fixed part (cores and GiB whatever its units) for one hour.
    pub fixed_hour: f64,
}

impl UnitPrice {
    /// The prices of `station`'s units at `prices` (per month).
    pub fn of(station: &crate::model::scenario::Station, prices: &Prices) -> UnitPrice {
        UnitPrice {
            unit_hour: (station.cpu_per_unit() * prices.cpu
                + station.ram_gib_per_unit() * prices.ram)
                / HOURS_PER_MONTH,
            fixed_hour: (station.cpu_fixed() * prices.cpu + station.ram_gib_fixed() * prices.ram)
                / HOURS_PER_MONTH,
        }
    }

    /// The cost of `unit_hours` of units over a run of `hours`.
    pub fn cost(self, unit_hours: f64, hours: f64) -> f64 {
        self.unit_hour * unit_hours + self.fixed_hour * hours
    }
}

/// Resources and price of one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cost {
    /// CPU cores summed over every station (fractional: a station may need half a core).
    pub cpu_cores: f64,
    /// RAM in GiB summed over every station.
    pub ram_gib: f64,
    /// `cpu_cores × prices.cpu + ram_gib × prices.ram`, in the scenario's currency;
    /// unrounded (rank and tie by [`Cost::key`]).
    pub price: f64,
}

/// One station's share of a cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StationCost {
    /// Cores this station needs: `cpu_fixed + cpu_per_unit × value`.
    pub cpu_cores: f64,
    /// GiB this station needs: `ram_gib_fixed + ram_gib_per_unit × value`.
    pub ram_gib: f64,
}

impl Cost {
    /// Sums [`per_station`] and prices the total at `prices`, which may differ from the
    /// scenario's own (`search --cpu-price`).
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

    /// The key configurations are ranked and tied on: see [`PriceKey`].
    pub fn key(&self) -> PriceKey {
        PriceKey::of(self.price)
    }
}

/// A price rounded to [`PriceKey::DIGITS`] significant digits, so that float noise
/// (0.1 + 0.2 against 0.3) never decides between two configurations, whatever the prices'
/// magnitude: prices within about one part in 10¹² tie. Rounding to a fixed number of
/// digits, unlike "equal within a tolerance", is transitive, so sorting by it is sound; and it
/// is monotone, so a dearer configuration never ranks before a cheaper one outside a tie.
#[derive(Debug, Clone, Copy)]
pub struct PriceKey(f64);

impl PriceKey {
    /// Significant digits kept. Summing a few dozen stations' cores and GiB at their prices
    /// errs by ~1e-15 of the price, a thousand times finer than this grid.
    pub const DIGITS: usize = 12;

    /// Rounds `price` to the key; a price the round trip cannot read back keeps its value.
    pub fn of(price: f64) -> PriceKey {
        // Formatting rounds the exact binary value correctly; parsing back is exact enough to
        // keep the order and the ties. Scaling by a power of ten instead would overflow at
        // the ends of the f64 range.
        let text = format!("{price:.*e}", Self::DIGITS - 1);
        PriceKey(text.parse().unwrap_or(price))
    }

    /// The rounded price.
    pub fn value(self) -> f64 {
        self.0
    }
}

impl PartialEq for PriceKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for PriceKey {}

impl PartialOrd for PriceKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PriceKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Each station's cores and RAM at this configuration, in scenario order.
pub fn per_station(scenario: &Scenario, config: &Config) -> Vec<StationCost> {
    scenario
        .stations()
        .iter()
        .zip(config.values())
        .map(|(s, &v)| StationCost {
            cpu_cores: s.cpu_fixed() + s.cpu_per_unit() * v as f64,
            ram_gib: s.ram_gib_fixed() + s.ram_gib_per_unit() * v as f64,
        })
        .collect()
}

/// Rounds away float noise for display and CSV (1e-9 of a unit). Past ~9e6 an f64 has no
/// billionths left to round, and past ~1e299 scaling would overflow: such values are kept.
pub fn tidy(v: f64) -> f64 {
    let t = (v * 1e9).round() / 1e9;
    if !t.is_finite() {
        v
    } else if t == 0.0 {
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
        let c = Cost::of(&s, &Config::baseline(&s), s.prices());
        assert_eq!(c.cpu_cores, 4.0);
        assert!((c.ram_gib - 2.75).abs() < 1e-12);
        assert!((c.price - (4.0 * s.prices().cpu + 2.75 * s.prices().ram)).abs() < 1e-9);
    }

    #[test]
    fn price_keys_tie_float_noise_and_keep_real_differences() {
        let k = PriceKey::of;
        assert_eq!(k(0.1 + 0.2), k(0.3));
        assert!(k(0.3) < k(0.300000001));
        // No overflow at either end of the range: 1e13 × 1e6 no longer saturates.
        assert!(k(4e13 + 11.0) < k(5e13 + 13.0));
        assert!(k(1.2e302) < k(1.3e302));
        assert!(k(3e-300) < k(4e-300));
        // The same order whatever the scale.
        for scale in [1.0, 1e9, 1e100, 1e300] {
            assert!(k(131.0 * scale) < k(132.6 * scale));
            assert_eq!(k(0.1 * scale + 0.2 * scale), k(0.3 * scale));
        }
        assert_eq!(k(0.0).value(), 0.0);
    }

    #[test]
    fn a_month_is_730_hours() {
        let s = Scenario::embedded();
        // A cook: 1 core at 30 and 0.5 GiB at 4 a month.
        let p = UnitPrice::of(&s.stations()[1], s.prices());
        assert!((p.unit_hour - 32.0 / 730.0).abs() < 1e-15);
        assert!((p.cost(730.0, 1.0) - 32.0).abs() < 1e-12);
    }

    #[test]
    fn tidy_keeps_huge_values() {
        assert_eq!(tidy(0.1 + 0.2), 0.3);
        assert_eq!(tidy(1.2e302), 1.2e302);
        assert_eq!(tidy(4e13 + 11.0), 4e13 + 11.0);
    }
}
