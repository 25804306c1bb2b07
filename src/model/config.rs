//! A configuration: one value per station's lever (units of a pool, portions of a batch).
//!
//! Everything the search, the cost model and the reports vary is this one vector; the engine
//! gets its stations from it.

use std::fmt;
use std::str::FromStr;

use crate::model::scenario::{Scenario, Station};

/// One value per station, in scenario order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Config(Vec<u32>);

/// A `STATION.PARAM=VALUE` assignment that does not fit the scenario.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("unknown station `{station}` in `{text}` (stations: {known})")]
    /// The setting names no station of the scenario.
    UnknownStation {
        /// The whole setting as typed, to find it on the command line.
        text: String,
        /// The station part as typed.
        station: String,
        /// The scenario's station names, comma-separated, in scenario order.
        known: String,
    },
    #[error("station `{station}` has no parameter `{param}` in `{text}`; its lever is `{station}.{expected}`")]
    /// The station exists but its lever has another name (`units` for a pool, `batch` for
    /// a batch station).
    UnknownParam {
        /// The whole setting as typed.
        text: String,
        /// The station, which does exist.
        station: String,
        /// The parameter part as typed.
        param: String,
        /// The station's one lever name.
        expected: &'static str,
    },
    /// Keeping the last of two values would hide a typo in a long command line.
    #[error("`{lever}` is given twice (`{first}` and `{second}`); give each lever once")]
    Repeated {
        /// The lever as `STATION.PARAM`.
        lever: String,
        /// The first setting of it, as typed.
        first: String,
        /// The second setting of it, as typed.
        second: String,
    },
}

/// `STATION.PARAM=VALUE` as typed, checked for shape only (the scenario is not known yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The part before the `.`, not yet known to name a station.
    pub station: String,
    /// The part between `.` and `=`, not yet known to be the station's lever.
    pub param: String,
    /// At least 1: a station with no unit or portion could serve nobody.
    pub value: u32,
    text: String,
}

impl Setting {
    /// Parses `soda.units=2,burger.units=5` (an empty text is no setting).
    pub fn parse_list(text: &str) -> Result<Vec<Setting>, SettingError> {
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::parse)
            .collect()
    }
}

/// Why a text is not a `STATION.PARAM=VALUE` setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingError {
    /// No `=`, or no `.` between a station and its parameter.
    #[error("expected STATION.PARAM=VALUE, got `{0}`")]
    Shape(String),
    /// The value is not a whole number.
    #[error("`{value}` in `{text}` is not a whole number")]
    NotWhole {
        /// The value as typed.
        value: String,
        /// The whole setting.
        text: String,
    },
    /// A station with no unit or portion could serve nobody.
    #[error("`{0}`: a station needs at least 1 unit or portion")]
    Zero(String),
}

impl FromStr for Setting {
    type Err = SettingError;

    fn from_str(text: &str) -> Result<Self, SettingError> {
        let shape = || SettingError::Shape(text.to_string());
        let (lever, value) = text.split_once('=').ok_or_else(shape)?;
        let (station, param) = split_lever(lever).ok_or_else(shape)?;
        let value = value.trim();
        let value: u32 = value.parse().map_err(|_| SettingError::NotWhole {
            value: value.to_string(),
            text: text.to_string(),
        })?;
        if value == 0 {
            return Err(SettingError::Zero(text.to_string()));
        }
        Ok(Setting {
            station,
            param,
            value,
            text: text.to_string(),
        })
    }
}

/// Splits `STATION.PARAM` into its two non-empty parts.
pub fn split_lever(lever: &str) -> Option<(String, String)> {
    let (station, param) = lever.trim().split_once('.')?;
    (!station.is_empty() && !param.is_empty()).then(|| (station.to_string(), param.to_string()))
}

/// Finds the station index a `STATION.PARAM` names, or says why it names none.
pub fn resolve_lever(
    stations: &[Station],
    station: &str,
    param: &str,
    text: &str,
) -> Result<usize, ConfigError> {
    let (index, s) = stations
        .iter()
        .enumerate()
        .find(|(_, s)| s.name() == station)
        .ok_or_else(|| ConfigError::UnknownStation {
            text: text.to_string(),
            station: station.to_string(),
            known: crate::model::quote::names(stations.iter().map(|s| s.name())),
        })?;
    if s.kind().param() != param {
        return Err(ConfigError::UnknownParam {
            text: text.to_string(),
            station: station.to_string(),
            param: param.to_string(),
            expected: s.kind().param(),
        });
    }
    Ok(index)
}

impl Config {
    /// Values in scenario order, unchecked: the caller took them from the scenario's levers.
    pub fn new(values: Vec<u32>) -> Config {
        Config(values)
    }

    /// The scenario's baseline.
    pub fn baseline(scenario: &Scenario) -> Config {
        Config(scenario.stations().iter().map(|s| s.baseline()).collect())
    }

    /// The baseline with the given settings applied; a lever set twice is refused.
    pub fn with_settings(scenario: &Scenario, settings: &[Setting]) -> Result<Config, ConfigError> {
        Config::from_stations(scenario.stations(), settings)
    }

    /// The stations' baseline with the settings applied (used while a scenario is parsed).
    pub fn from_stations(
        stations: &[Station],
        settings: &[Setting],
    ) -> Result<Config, ConfigError> {
        let mut config = Config(stations.iter().map(|s| s.baseline()).collect());
        let mut given: Vec<Option<&str>> = vec![None; stations.len()];
        for s in settings {
            let index = resolve_lever(stations, &s.station, &s.param, &s.text)?;
            if let Some(first) = given[index] {
                return Err(ConfigError::Repeated {
                    lever: stations[index].lever_name(),
                    first: first.to_string(),
                    second: s.text.clone(),
                });
            }
            given[index] = Some(&s.text);
            config.0[index] = s.value;
        }
        Ok(config)
    }

    /// One value per station, in scenario order (units of a pool, portions of a batch).
    pub fn values(&self) -> &[u32] {
        &self.0
    }

    /// The stations as the engine runs them.
    pub fn engine_stations(&self, scenario: &Scenario) -> Vec<crate::model::plan::Station> {
        scenario
            .stations()
            .iter()
            .zip(&self.0)
            .map(|(s, &v)| s.engine_station(v))
            .collect()
    }

    /// The service this configuration makes of the scenario, as the engine simulates it.
    pub fn service(&self, scenario: &Scenario) -> crate::model::plan::Service {
        crate::model::plan::Service {
            stations: self.engine_stations(scenario),
            plans: scenario.plans().clone(),
        }
    }

    /// `soda.units=2 burger.units=5 fries.batch=7`.
    pub fn describe(&self, scenario: &Scenario) -> String {
        scenario
            .stations()
            .iter()
            .zip(&self.0)
            .map(|(s, v)| format!("{}={v}", s.lever_name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// What changes from `base` in words: "+1 soda machine, +2 cooks, 7-portion fryer".
    pub fn delta_words(&self, base: &Config, scenario: &Scenario) -> String {
        let words: Vec<String> = scenario
            .stations()
            .iter()
            .zip(self.0.iter().zip(&base.0))
            .filter(|(_, (v, b))| v != b)
            .map(|(s, (&v, &b))| s.kind().change_words(v, b, &s.names()))
            .collect();
        if words.is_empty() {
            "no change".into()
        } else {
            words.join(", ")
        }
    }

    /// How many levers differ from `base`.
    pub fn changed_levers(&self, base: &Config) -> usize {
        self.0.iter().zip(&base.0).filter(|(a, b)| a != b).count()
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|v| v.to_string()).collect();
        write!(f, "({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_apply_to_the_baseline() {
        let s = Scenario::embedded();
        let set: Vec<Setting> = ["soda.units=2", "burger.units=5", "fries.batch=7"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        let c = Config::with_settings(&s, &set).unwrap();
        assert_eq!(c.values(), &[2, 5, 7]);
        assert_eq!(
            c.delta_words(&Config::baseline(&s), &s),
            "+1 soda machine, +2 cooks, 7-portion fryer"
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        let s = Scenario::embedded();
        assert!("soda.units=0".parse::<Setting>().is_err());
        assert!("soda.units=-1".parse::<Setting>().is_err());
        assert!("soda=2".parse::<Setting>().is_err());
        let unknown: Setting = "pizza.units=2".parse().unwrap();
        assert!(matches!(
            Config::with_settings(&s, &[unknown]),
            Err(ConfigError::UnknownStation { .. })
        ));
        let twice: Vec<Setting> = ["soda.units=2", "soda.units=3"]
            .iter()
            .map(|t| t.parse().unwrap())
            .collect();
        assert!(matches!(
            Config::with_settings(&s, &twice),
            Err(ConfigError::Repeated { .. })
        ));
        let wrong: Setting = "fries.units=2".parse().unwrap();
        assert!(matches!(
            Config::with_settings(&s, &[wrong]),
            Err(ConfigError::UnknownParam { .. })
        ));
    }
}
