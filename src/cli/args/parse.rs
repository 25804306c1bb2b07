//! The value parsers that turn a flag's text into a typed value, each refusal worded for the
//! user (clap's own messages do not say what is accepted).

use crate::model::objective::{Share, Slo};
use crate::model::units::{Period, Rate, Seconds};
use crate::search::compare::Rates;
use crate::workload::stages::Stage;

pub(super) fn number(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("`{text}` is not a number"))
}

/// A duration with or without a unit (`5`, `300ms`, `1.5s`): see [`crate::model::duration::parse`].
/// A bare number is passed on as it is, so that the typed value's own check names what is
/// wrong with it (`-5`: "must be greater than 0").
pub(super) fn duration(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) => Ok(v),
        Err(_) => crate::model::duration::parse(text).map_err(|e| e.to_string()),
    }
}

pub fn parse_seconds(text: &str) -> Result<Seconds, String> {
    Seconds::new(duration(text)?).map_err(|e| e.to_string())
}

pub fn parse_rate(text: &str) -> Result<Rate, String> {
    Rate::new(number(text)?).map_err(|e| e.to_string())
}

/// `run --rate`: a rate (> 0), or 0, which only a staged load accepts (its start rate).
pub fn parse_start_rate(text: &str) -> Result<f64, String> {
    let v = number(text)?;
    if v == 0.0 {
        return Ok(0.0);
    }
    Rate::new(v).map(Rate::get).map_err(|e| e.to_string())
}

pub fn parse_slo(text: &str) -> Result<Slo, String> {
    Slo::parse(text).map_err(|e| e.to_string())
}

pub fn parse_stage(text: &str) -> Result<Stage, String> {
    Stage::parse(text).map_err(|e| e.to_string())
}

pub fn parse_period(text: &str) -> Result<Period, String> {
    Period::new(duration(text)?).map_err(|e| e.to_string())
}

pub fn parse_rates(text: &str) -> Result<Rates, String> {
    Rates::parse(text).map_err(|e| e.to_string())
}

pub fn parse_share(text: &str) -> Result<Share, String> {
    Share::new(number(text.trim().trim_end_matches('%'))?).map_err(|e| e.to_string())
}

pub fn parse_price(text: &str) -> Result<f64, String> {
    let v = number(text)?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "must be a finite price ≥ 0, got {}",
            crate::model::units::number(v)
        ))
    }
}

/// `--max-configs`: a ceiling of 0 would refuse every space, so say what the flag needs.
pub fn parse_max_configs(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1 (the most configurations a search may have)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "must be a whole number from 1 to {}, got `{text}`",
            u64::MAX
        )),
    }
}

/// `--max-time`: a positive duration, in seconds.
pub fn parse_max_time(text: &str) -> Result<f64, String> {
    match crate::model::duration::parse(text) {
        Ok(0.0) => Err("must be more than 0 (how long the search may walk)".into()),
        Ok(secs) => Ok(secs),
        Err(e) => Err(e.to_string()),
    }
}

/// `--seed`: any u64; clap's own message ("invalid digit") does not say what is accepted.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| {
        format!(
            "must be a whole number from 0 to {}, got `{text}`",
            u64::MAX
        )
    })
}

pub fn parse_speed(text: &str) -> Result<f64, String> {
    let v = number(text)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "must be a positive finite factor, got {}",
            crate::model::units::number(v)
        ))
    }
}
