//! The flags of clients that give up, retry or think, shared by `run` and the searches.

use clap::{Args, ValueEnum};

use super::duration;

/// The flags of client rules; any of them sends `run` here.
#[derive(Debug, Args, Clone, Default)]
pub struct ClientArgs {
    /// A client whose request is not done this long after it was due gives up (300ms, 2.5)
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_positive)]
    pub patience: Option<f64>,

    /// What giving up does to a visit in service: none (it runs to its end, wasted) or all (its unit is freed at once)
    #[arg(long, value_enum, value_name = "WHAT")]
    pub cancel: Option<CancelArg>,

    /// A client that gave up tries again, at most K more times (0..=100; needs --patience)
    #[arg(long, value_name = "K", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(0..=100))]
    pub retries: Option<u32>,

    /// Wait before the first retry; each next one waits twice as long [default: 1]
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_non_negative)]
    pub backoff: Option<f64>,

    /// Each retry waits a uniform draw in [0, its backoff], from the seeded stream
    #[arg(long)]
    pub jitter: bool,

    /// A closed loop of N users, each repeating request → response → think (instead of --rate)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub users: Option<u32>,

    /// Mean think time of a user between a response and the next request [default: 0]
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_non_negative)]
    pub think: Option<f64>,

    /// Think times fixed or exponential around --think
    #[arg(long, value_enum, value_name = "D")]
    pub think_distribution: Option<ThinkArg>,

    /// No request starts after this much time (closed loop) [default: 600s]
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_positive)]
    pub duration: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CancelArg {
    /// A visit in service runs to its end (wasted work)
    None,
    /// Giving up frees the unit at once
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThinkArg {
    Fixed,
    Exponential,
}

fn parse_positive(text: &str) -> Result<f64, String> {
    let v = duration(text)?;
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "must be a duration greater than 0, got {}",
            crate::model::units::number(v)
        ))
    }
}

fn parse_non_negative(text: &str) -> Result<f64, String> {
    let v = duration(text)?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "must be a duration of 0 or more, got {}",
            crate::model::units::number(v)
        ))
    }
}

impl ClientArgs {
    /// Whether any flag asks for client rules.
    pub fn active(&self) -> bool {
        self.patience.is_some()
            || self.cancel.is_some()
            || self.retries.is_some()
            || self.backoff.is_some()
            || self.jitter
            || self.users.is_some()
            || self.think.is_some()
            || self.think_distribution.is_some()
            || self.duration.is_some()
    }
}
