//! Progress bars, in one place: on stderr, and only when stderr is a terminal and the user
//! did not ask for `--quiet`, so pipes and CI logs stay clean. A search's walk, which may run
//! for minutes, also says where it is without a terminal: one line every ten seconds.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::search::{Evaluated, Watch};

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar that may be hidden; cheap to `inc` from many threads.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar of `total` steps labelled `what`; hidden (every call a no-op) under `--quiet` or
    /// when stderr is not a terminal.
    pub fn new(total: u64, what: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({rate}, ETA {eta})")
                .expect("valid template")
                // Whole configurations per second: indicatif's `per_sec` prints 4 decimals.
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0}/s", state.per_sec());
                    },
                )
                .progress_chars("=> "),
        );
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    /// A spinner with the elapsed time, for one long task that cannot count its steps.
    pub fn spinner(what: &str, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
        );
        bar.set_message(what.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(bar))
    }

    /// Advances by `n` steps; callers on rayon threads need no lock.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// How often a walk without a terminal prints its line: `PLANNER_PROGRESS_SECONDS`, else 10 s.
fn line_every() -> Duration {
    std::env::var("PLANNER_PROGRESS_SECONDS")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

/// The progress of `optimize`'s cheapest-first walk: a counter on a terminal, else a line on
/// stderr every ten seconds with what was tested and skipped, the cheapest configuration
/// found to meet the target so far, and the time spent.
pub struct WalkMeter<'a> {
    bar: Progress,
    /// Lines without a terminal: when the last was printed; `None` under `--quiet` or on a
    /// terminal (the bar says it there).
    lines: Option<Mutex<WalkState>>,
    every: Duration,
    start: Instant,
    skipped: u128,
    describe: Box<dyn Fn(&Evaluated) -> String + Sync + 'a>,
}

struct WalkState {
    last: Instant,
    tested: u64,
    /// The cheapest passing configuration so far: its rank key and its words.
    best: Option<(crate::model::cost::PriceKey, String)>,
}

impl<'a> WalkMeter<'a> {
    /// A meter for a walk that skips `skipped` configurations up front; `describe` words a
    /// configuration for the line.
    pub fn new(
        skipped: u128,
        quiet: bool,
        describe: Box<dyn Fn(&Evaluated) -> String + Sync + 'a>,
    ) -> WalkMeter<'a> {
        let terminal = std::io::stderr().is_terminal();
        let start = Instant::now();
        WalkMeter {
            bar: Progress::spinner("load-testing, cheapest first", quiet),
            lines: (!quiet && !terminal).then(|| {
                Mutex::new(WalkState {
                    last: start,
                    tested: 0,
                    best: None,
                })
            }),
            every: line_every(),
            start,
            skipped,
            describe,
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish();
    }
}

impl Watch for WalkMeter<'_> {
    fn tested(&self, e: &Evaluated) {
        self.bar.inc(1);
        let Some(lines) = &self.lines else {
            return;
        };
        let mut state = lines.lock().unwrap_or_else(|p| p.into_inner());
        state.tested += 1;
        if e.summary.meets_target {
            let key = e.candidate.cost.key();
            if state.best.as_ref().is_none_or(|(k, _)| key < *k) {
                state.best = Some((key, (self.describe)(e)));
            }
        }
        let now = Instant::now();
        if now.duration_since(state.last) >= self.every {
            state.last = now;
            let best = state.best.as_ref().map_or("none yet", |(_, d)| d.as_str());
            eprintln!(
                "optimize: {} tested, {} skipped, best so far: {best}, {:.0} s elapsed",
                state.tested,
                self.skipped,
                now.duration_since(self.start).as_secs_f64()
            );
        }
    }
}
