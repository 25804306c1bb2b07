//! Upgrade strategies side by side across arrival rates.
//!
//! A manager rarely buys "the optimum" blind: they ask what each upgrade buys and at which
//! load it breaks. This module load-tests every (strategy, rate) pair, in parallel and in a
//! fixed order, and derives each strategy's highest sustained rate and the station where its
//! late clients waited most above it.

use rayon::prelude::*;

use crate::loadtest;
use crate::model::config::{Config, Setting};
use crate::model::cost::Cost;
use crate::model::scenario::{Prices, Scenario, ScenarioError, Station};
use crate::model::units::Rate;
use crate::outcome::stats::Summary;
use crate::search::{SearchError, Target};

/// The most rates one comparison may list.
pub const MAX_RATES: usize = 10_000;

/// Strictly increasing arrival rates.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates(Vec<Rate>);

/// Why a text is not a list of rates; the message says what was wrong and how to write it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RatesError(String);

impl Rates {
    /// The rates in increasing order, each once; a table's columns follow it.
    pub fn as_slice(&self) -> &[Rate] {
        &self.0
    }

    /// The default rates around a scenario's `rate`: from 25 % to 150 % of it in 11 even
    /// steps, each rounded to 2 significant digits so that the table's headings read as
    /// figures a person would pick (rate 2: 0.5, 0.75, 1, 1.3, 1.5, … 3; rate 3000: 750,
    /// 1100, 1500, … 4500). The spread shows where each strategy breaks below the target
    /// and how much room it keeps above it, whatever the scenario's scale.
    pub fn around(rate: Rate) -> Rates {
        let mut values: Vec<Rate> = Vec::with_capacity(DEFAULT_STEPS);
        for k in 0..DEFAULT_STEPS {
            let exact = rate.get() * (DEFAULT_LOW + k as f64 * DEFAULT_STEP);
            let rounded = Rate::new(two_significant_digits(exact))
                .or_else(|_| Rate::new(exact))
                .unwrap_or(rate);
            if values.last().is_none_or(|last| rounded.get() > last.get()) {
                values.push(rounded);
            }
        }
        Rates(values)
    }

    /// Parses `START..=END:STEP` (inclusive), `START..END:STEP`, or a list `1,1.5,2`.
    pub fn parse(text: &str) -> Result<Rates, RatesError> {
        let text = text.trim();
        let rate = |s: &str| -> Result<f64, RatesError> {
            let v: f64 = s
                .trim()
                .parse()
                .map_err(|_| RatesError(format!("`{}` is not a number", s.trim())))?;
            Rate::new(v)
                .map(Rate::get)
                .map_err(|e| RatesError(format!("rate {e}")))
        };
        let values: Vec<f64> = if let Some((start, rest)) = text.split_once("..") {
            let (inclusive, rest) = match rest.strip_prefix('=') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let (end, step) = rest.split_once(':').ok_or_else(|| {
                RatesError(format!(
                    "`{text}`: a range needs a step, as in 0.5..=3:0.25"
                ))
            })?;
            let (start, end) = (rate(start)?, rate(end)?);
            let step: f64 = step
                .trim()
                .parse()
                .map_err(|_| RatesError(format!("`{}` is not a number", step.trim())))?;
            if !(step.is_finite() && step > 0.0) {
                return Err(RatesError(format!(
                    "the step must be greater than 0, got {}",
                    crate::model::units::number(step)
                )));
            }
            if end < start {
                return Err(RatesError(format!(
                    "the range `{text}` is empty: {} is below {}",
                    crate::model::units::number(end),
                    crate::model::units::number(start)
                )));
            }
            let count = ((end - start) / step + 1e-9).floor() + 1.0;
            if count > MAX_RATES as f64 {
                let count = if count.is_finite() {
                    format!("{} rates", crate::model::units::number(count))
                } else {
                    "more rates than a number holds".into()
                };
                return Err(RatesError(format!(
                    "`{text}` lists {count}, more than {MAX_RATES}"
                )));
            }
            let count = count as usize;
            let mut v: Vec<f64> = (0..count).map(|i| start + i as f64 * step).collect();
            // Rates computed as start + i × step (no drift); snap the last onto the end.
            if let Some(last) = v.last_mut() {
                if (*last - end).abs() <= 1e-9 * end.max(1.0) {
                    if inclusive {
                        *last = end;
                    } else {
                        v.pop();
                    }
                }
            }
            if v.is_empty() {
                return Err(RatesError(format!("the range `{text}` is empty")));
            }
            v
        } else {
            let v: Vec<f64> = text.split(',').map(rate).collect::<Result<_, _>>()?;
            if v.len() > MAX_RATES {
                return Err(RatesError(format!(
                    "{} rates listed, more than {MAX_RATES}",
                    v.len()
                )));
            }
            if let Some(w) = v.windows(2).find(|w| w[1] <= w[0]) {
                return Err(RatesError(format!(
                    "rates must increase: {} comes after {}",
                    w[1], w[0]
                )));
            }
            v
        };
        Ok(Rates(
            values
                .into_iter()
                .map(|r| Rate::new(r).expect("checked"))
                .collect(),
        ))
    }
}

/// The default rates: `DEFAULT_STEPS` of them from `DEFAULT_LOW` × the scenario's rate, one
/// `DEFAULT_STEP` × the rate apart (25 %, 37.5 %, … 150 %).
const DEFAULT_STEPS: usize = 11;
const DEFAULT_LOW: f64 = 0.25;
const DEFAULT_STEP: f64 = 0.125;

/// `x` rounded to 2 significant digits, computed so that 0.35 stays 0.35 (dividing by a power
/// of ten, never multiplying by an inexact 0.01).
fn two_significant_digits(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return x;
    }
    let shift = 1 - x.log10().floor() as i32;
    if shift >= 0 {
        let scale = 10f64.powi(shift);
        (x * scale).round() / scale
    } else {
        let scale = 10f64.powi(-shift);
        (x / scale).round() * scale
    }
}

/// A named configuration to compare: fixed lever values, or whatever `optimize` finds.
#[derive(Debug, Clone, PartialEq)]
pub struct Strategy {
    /// Non-empty, trimmed; the label of the strategy's row in every output.
    pub name: String,
    /// How its configuration is obtained.
    pub plan: Plan,
}

/// What a strategy stands for: a configuration chosen by the user, or one found by search at
/// the target rate (then its cost is whatever the cheapest passing configuration costs).
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// These lever values, in station order.
    Fixed(Config),
    /// The cheapest configuration that meets the target (written `optimize` in the file).
    Cheapest,
}

/// The word that stands for [`Plan::Cheapest`] in a strategy.
pub const CHEAPEST_PLAN: &str = "optimize";

/// Why a strategy cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StrategyError {
    /// Nothing (or only spaces) before the `=`: its row would have no label.
    #[error("a strategy needs a name")]
    NoName,
    /// A character a terminal acts on (an ESC) in the name, which every output shows.
    #[error("strategy name `{name}` holds the character U+{code:04X}, which a terminal acts on rather than shows: write plain text")]
    Unprintable {
        /// The name as given (escaped when the error is printed).
        name: String,
        /// The character's code point.
        code: u32,
    },
    #[error("strategy `{name}`: {reason}")]
    /// The settings after the `=` do not fit the scenario's stations.
    Settings {
        /// The strategy's name, to say which one of several is wrong.
        name: String,
        /// What is wrong with its settings, already worded for the user.
        reason: String,
    },
}

impl Strategy {
    /// Parses `NAME=soda.units=2,burger.units=5` (or `NAME=optimize`) against the stations.
    pub fn parse(name: &str, plan: &str, stations: &[Station]) -> Result<Strategy, StrategyError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StrategyError::NoName);
        }
        if let Some(c) = name
            .chars()
            .find(|&c| crate::model::scenario::unprintable(c))
        {
            return Err(StrategyError::Unprintable {
                name: name.to_string(),
                code: c as u32,
            });
        }
        let settings_error = |reason: String| StrategyError::Settings {
            name: name.to_string(),
            reason,
        };
        let plan = if plan.trim() == CHEAPEST_PLAN {
            Plan::Cheapest
        } else {
            let settings = Setting::parse_list(plan).map_err(|e| settings_error(e.to_string()))?;
            Plan::Fixed(
                Config::from_stations(stations, &settings)
                    .map_err(|e| settings_error(e.to_string()))?,
            )
        };
        Ok(Strategy {
            name: name.to_string(),
            plan,
        })
    }

    /// The scenario's `[strategies]`, resolved; an error names the file, line and column.
    pub fn of_scenario(scenario: &Scenario) -> Result<Vec<Strategy>, ScenarioError> {
        scenario
            .strategies()
            .iter()
            .map(|t| {
                Strategy::parse(&t.name, &t.plan, scenario.stations())
                    .map_err(|e| scenario.error_at(t.at, e.to_string()))
            })
            .collect()
    }
}

/// A strategy with its configuration resolved and priced.
#[derive(Debug, Clone, PartialEq)]
pub struct Contender {
    /// The strategy's name.
    pub name: String,
    /// Its lever values: the fixed ones, or those `optimize` found at the target rate.
    pub config: Config,
    /// At the prices of the comparison, so strategies are priced alike.
    pub cost: Cost,
}

impl Contender {
    /// Prices `config` at `prices` once: a strategy costs the same at every rate.
    pub fn new(name: &str, config: Config, scenario: &Scenario, prices: &Prices) -> Contender {
        Contender {
            name: name.to_string(),
            cost: Cost::of(scenario, &config, prices),
            config,
        }
    }
}

/// One (strategy, rate) load test.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The verdict and latency figures of this strategy's load test at this rate.
    pub summary: Summary,
    /// The station where the late clients waited longest, queueing, all of them together
    /// ([`crate::outcome::verdict::Assessment::late_bottleneck`]); `None` when no late
    /// client queued.
    pub late_bottleneck: Option<usize>,
}

/// Every strategy at every rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The strategies kept, in the order given; rows of `cells`.
    pub contenders: Vec<Contender>,
    /// Columns of `cells`.
    pub rates: Rates,
    /// `cells[strategy][rate]`.
    pub cells: Vec<Vec<Cell>>,
}

/// Load-tests every contender at every rate, in parallel; results in a fixed order.
pub fn compare(
    scenario: &Scenario,
    contenders: Vec<Contender>,
    rates: Rates,
    target: &Target,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, SearchError> {
    for &r in rates.as_slice() {
        loadtest::check(scenario, &target.at(r).load)?;
    }
    let pairs: Vec<(usize, usize)> = (0..contenders.len())
        .flat_map(|s| (0..rates.0.len()).map(move |r| (s, r)))
        .collect();
    let flat: Vec<Cell> = pairs
        .par_iter()
        .map(|&(s, r)| {
            let c = cell(scenario, &contenders[s], rates.0[r], target)?;
            progress(1);
            Ok(c)
        })
        .collect::<Result<_, SearchError>>()?;
    let width = rates.0.len();
    let cells = flat.chunks(width).map(|c| c.to_vec()).collect();
    Ok(Comparison {
        contenders,
        rates,
        cells,
    })
}

/// Load-tests one (strategy, rate) cell: one definition for the whole comparison and for a
/// shard of it (`compare --shard`).
pub fn cell(
    scenario: &Scenario,
    contender: &Contender,
    rate: Rate,
    target: &Target,
) -> Result<Cell, SearchError> {
    let mut at = target.at(rate);
    // Where the late clients waited is what the comparison names for each strategy.
    at.load.late_waits = true;
    let assessment = loadtest::assess(scenario, &contender.config, &at.load, at.share, None)?;
    Ok(Cell {
        late_bottleneck: assessment.late_bottleneck(),
        summary: assessment.summary,
    })
}

impl Comparison {
    /// Index of the highest listed rate met at it and at every lower listed rate.
    pub fn sustained(&self, strategy: usize) -> Option<usize> {
        let row = &self.cells[strategy];
        let held = row.iter().take_while(|c| c.summary.meets_target).count();
        held.checked_sub(1)
    }

    /// The station where the late clients waited most at the first rate the strategy misses
    /// (above the rate it sustains): the cause of its break, not the end of its flow.
    pub fn breaks_first(&self, strategy: usize) -> Option<usize> {
        let row = &self.cells[strategy];
        let first_fail = self.sustained(strategy).map_or(0, |i| i + 1);
        row.get(first_fail).and_then(|c| c.late_bottleneck)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates(text: &str) -> Vec<f64> {
        Rates::parse(text)
            .unwrap()
            .as_slice()
            .iter()
            .map(|r| r.get())
            .collect()
    }

    #[test]
    fn parses_ranges_with_steps_and_lists() {
        let r = rates("0.5..=3:0.25");
        assert_eq!(r.len(), 11);
        assert_eq!(r[0], 0.5);
        assert_eq!(r[10], 3.0);
        assert_eq!(rates("1..2:0.5"), vec![1.0, 1.5]);
        assert_eq!(rates("1,1.5,2"), vec![1.0, 1.5, 2.0]);
        assert_eq!(
            rates("0.1..=0.3:0.1"),
            vec![0.1, 0.2, 0.30000000000000004_f64.min(0.3)]
        );
    }

    #[test]
    fn default_rates_follow_the_scenarios_rate() {
        let around = |r: f64| -> Vec<f64> {
            Rates::around(Rate::new(r).unwrap())
                .as_slice()
                .iter()
                .map(|r| r.get())
                .collect()
        };
        assert_eq!(
            around(2.0),
            [0.5, 0.75, 1.0, 1.3, 1.5, 1.8, 2.0, 2.3, 2.5, 2.8, 3.0]
        );
        assert_eq!(
            around(3000.0),
            [
                750.0, 1100.0, 1500.0, 1900.0, 2300.0, 2600.0, 3000.0, 3400.0, 3800.0, 4100.0,
                4500.0
            ]
        );
        assert_eq!(around(0.35)[0], 0.088);
        for r in [1e-9, 0.7, 1.0, 7.0, 123456.0, 1e200] {
            let v = around(r);
            assert!(v.len() >= 9, "{r}: {v:?}");
            assert!(v.windows(2).all(|w| w[0] < w[1]), "{r}: {v:?}");
            assert!(v[0] >= 0.2 * r && v[v.len() - 1] <= 1.6 * r, "{r}: {v:?}");
        }
    }

    #[test]
    fn refuses_bad_rates() {
        for bad in [
            "",
            "3..=1:0.5",
            "1..=3:0",
            "1..=3:-1",
            "1..=3",
            "2,1",
            "1,1",
            "0,1",
            "1..=100000:0.001",
            "a..=b:1",
        ] {
            assert!(Rates::parse(bad).is_err(), "{bad}");
        }
    }
}
