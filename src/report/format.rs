//! How numbers read in every report: floats without trailing noise, durations in the unit
//! asked for, shares of clients, the load-test summary lines. One module, so that a figure
//! reads the same in a table, a message and a plot's title.

use crate::model::units::{Resolution, Seconds, TimeUnit};
use crate::outcome::stats::{self, Summary};
use crate::workload::{Arrivals, LoadTest};

/// A float without trailing noise: 0.5, 2, 0.333333.
pub fn trim_float(v: f64) -> String {
    if v.abs() >= 1e12 {
        // 1e300 clients/s is a typo's rate; no one wants 300 digits of it.
        return format!("{v:.3e}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// "over 20 replications (seed 1): satisfied 97.3% ± 1.1 …", or `None` for one run.
pub fn spread_line(summary: &Summary, warmup: u32) -> Option<String> {
    spread_line_in(summary, warmup, TimeUnit::S, 3)
}

/// "10 ms": a duration that is no model time (a timeout) in `unit`, as short as it is exact.
pub fn duration_in(seconds: f64, unit: TimeUnit) -> String {
    format!(
        "{} {}",
        trim_float(seconds * 1e9 / unit_nanos(unit)),
        unit.symbol()
    )
}

/// Nanoseconds in one `unit`, for the figures that are not whole steps.
pub fn unit_nanos(unit: TimeUnit) -> f64 {
    match unit {
        TimeUnit::S => 1e9,
        TimeUnit::Ms => 1e6,
        TimeUnit::Us => 1e3,
    }
}

/// [`spread_line`] with latencies in `unit`, to `decimals` places.
pub fn spread_line_in(
    summary: &Summary,
    warmup: u32,
    unit: TimeUnit,
    decimals: usize,
) -> Option<String> {
    let s = summary.spread.as_ref()?;
    let symbol = format!(" {}", unit.symbol());
    let pm = |i: &crate::outcome::stats::Interval, _: &str| {
        format!(
            "{}{symbol} ± {}",
            unit.format_seconds(i.mean, decimals),
            unit.format_seconds(i.half_width(), decimals)
        )
    };
    let warm = if warmup > 0 {
        format!(", first {warmup} clients left out")
    } else {
        String::new()
    };
    Some(format!(
        "over {} replications{warm} (means ± 95% intervals): satisfied {}% ± {}   mean {}   p50 {}   p95 {}   p99 {}   max {}{}\n",
        s.replications,
        trim_float((s.satisfaction.mean * 100.0).round() / 100.0),
        trim_float((s.satisfaction.half_width() * 100.0).round() / 100.0),
        pm(&s.mean_s, " s"),
        pm(&s.p50_s, " s"),
        pm(&s.p95_s, " s"),
        pm(&s.p99_s, " s"),
        pm(&s.max_s, " s"),
        throughput_words(summary),
    ))
}

/// "satisfied 5/10 (50%)   p50 4.500 s   p95 7.500 s   p99 7.500 s   max 7.500 s   headroom -2.500 s",
/// latencies in `unit`; the headroom against `timeout`, the one timeout every client is
/// judged by ([`crate::workload::common_timeout`]), and none when request classes each have
/// their own: each class's figures then stand against its own objective.
pub fn summary_line_in(
    s: &Summary,
    res: Resolution,
    timeout: Option<Seconds>,
    unit: TimeUnit,
) -> String {
    let u = unit.symbol();
    let headroom = timeout
        .map(|t| {
            format!(
                "   headroom {} {u}",
                format_signed(
                    stats::headroom(s, res, t) * 1e9 / unit_nanos(unit),
                    unit.decimals(res)
                )
            )
        })
        .unwrap_or_default();
    format!(
        "satisfied {}/{} ({}%)   p50 {} {u}   p95 {} {u}   p99 {} {u}   max {} {u}{headroom}{}",
        s.satisfied,
        s.clients,
        percent_words(s.satisfied, s.clients),
        unit.format(res, s.p50_steps),
        unit.format(res, s.p95_steps),
        unit.format(res, s.p99_steps),
        unit.format(res, s.max_steps),
        throughput_words(s),
    )
}

/// A share of clients to two decimals, the precision a count of them deserves, but never
/// rounded onto 0 or 100 when some, but not all, are satisfied: 599 of 600 is 99.83, and
/// 99999 of 100000 is 99.99, not 100.
pub fn percent_words(satisfied: usize, clients: usize) -> String {
    if clients == 0 {
        return "0".into();
    }
    share_words(100.0 * satisfied as f64 / clients as f64)
}

/// A satisfied share in percent as [`percent_words`] shows it, from the share itself (a mean
/// over replications has no count of clients behind it): strictly between 0 and 100 stays so.
pub fn share_words(pct: f64) -> String {
    let shown = (pct * 100.0).round() / 100.0;
    let shown = match shown {
        v if pct < 100.0 && v >= 100.0 => 99.99,
        v if pct > 0.0 && v <= 0.0 => 0.01,
        v => v,
    };
    trim_float(shown)
}

/// A closed loop's throughput, the half of its answer that latencies do not show; nothing
/// for arrivals at a given rate.
fn throughput_words(s: &Summary) -> String {
    s.throughput
        .map(|x| {
            format!(
                "   throughput {} requests/s",
                trim_float((x * 1000.0).round() / 1000.0)
            )
        })
        .unwrap_or_default()
}

/// `+1.500` / `-2.500` with the given decimals.
pub fn format_signed(v: f64, decimals: usize) -> String {
    format!("{v:+.decimals$}")
}

/// "10 clients every 0.5 s (2 clients/s)", "10 clients all at once", or "200 clients,
/// Poisson arrivals at 2 clients/s" (no period there: the gaps are random).
pub fn describe_load(load: &LoadTest) -> String {
    match (&load.arrivals, load.rate()) {
        (Arrivals::Stages { profile, poisson }, _) => {
            let mut rates = vec![trim_float(profile.start())];
            rates.extend(profile.stages().iter().map(|s| trim_float(s.target)));
            format!(
                "{}{} clients, {} arrivals in {} stages over {} s (rate {} clients/s)",
                if *poisson { "about " } else { "" },
                load.clients,
                if *poisson { "Poisson" } else { "fixed" },
                profile.stages().len(),
                trim_float(profile.duration()),
                rates.join(" → ")
            )
        }
        (Arrivals::Replay(_), rate) => format!(
            "{} clients replayed from a trace over {} s (mean {} clients/s)",
            load.clients,
            trim_float(load.arrivals.span().unwrap_or(0.0)),
            trim_float(rate.unwrap_or(0.0))
        ),
        (Arrivals::Poisson(rate), _) => format!(
            "{} clients, Poisson arrivals at {} clients/s",
            load.clients,
            trim_float(rate.get())
        ),
        (Arrivals::Fixed(_), Some(rate)) => format!(
            "{} clients every {} s ({} clients/s)",
            load.clients,
            trim_float(1.0 / rate),
            trim_float(rate)
        ),
        (Arrivals::Fixed(_), None) => format!("{} clients all at once", load.clients),
    }
}

#[cfg(test)]
mod tests {
    use super::percent_words;

    #[test]
    fn a_share_of_clients_shows_two_decimals_and_never_rounds_onto_all_or_none() {
        assert_eq!(percent_words(5, 10), "50");
        assert_eq!(percent_words(600, 604), "99.34");
        assert_eq!(percent_words(1, 3), "33.33");
        assert_eq!(percent_words(99_999, 100_000), "99.99");
        assert_eq!(percent_words(1, 100_000), "0.01");
        assert_eq!(percent_words(10, 10), "100");
        assert_eq!(percent_words(0, 10), "0");
        assert_eq!(percent_words(0, 0), "0");
        assert_eq!(super::share_words(99.4075), "99.41");
        assert_eq!(super::share_words(51.060833), "51.06");
        assert_eq!(super::share_words(99.9999), "99.99");
        assert_eq!(super::share_words(0.0001), "0.01");
        assert_eq!(super::share_words(0.0), "0");
    }
}
