//! A run over time, in windows: its clients (or requests) grouped by time into consecutive
//! windows of one round width (0.1 s, 1 s, 10 s, 1 min…), each with its count and its
//! clients' nearest-rank p50 and p99. The dashboard and the pictures of clients with rules
//! draw these figures; aggregating first is what lets a million clients make a picture of
//! the same size as a hundred.
//!
//! The width is the smallest round one that covers the run in about 50 to
//! [`MAX_WINDOWS`] windows, fewer for few clients (two per window on average), so that a
//! window holds two clients rather than zero or one.

use crate::model::percentile;
use crate::model::scenario::Scenario;
use crate::outcome::clients::{ClientOutcome, ClosedRequest, OpenClient};
use crate::outcome::records::Outcome;
use crate::outcome::stats;
use crate::workload::LoadTest;

/// One client as latency over the test shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientLatency {
    /// Its due time (a closed loop's request: when it was sent), in seconds.
    pub due_s: f64,
    /// Seconds until it was served, or gave up for good.
    pub latency_s: f64,
    /// Counted after the warm-up and not served within its class's timeout.
    pub late: bool,
}

/// A run has at most this many windows: enough to show its shape, few enough that each bar
/// of a picture stays several pixels wide and the picture small.
pub const MAX_WINDOWS: usize = 100;

/// Round window widths in seconds, smallest first: 1, 2 and 5 times a power of ten up to
/// 10 s, then the minutes and hours a clock reads easily, then days.
fn round_widths() -> impl Iterator<Item = f64> {
    // Dividing by an exact power of ten gives the nearest double to 0.1, 0.5…; multiplying
    // by an inexact one would not.
    let small = (-9..=1).flat_map(|e: i32| {
        [1.0, 2.0, 5.0].into_iter().map(move |m| {
            if e < 0 {
                m / 10f64.powi(-e)
            } else {
                m * 10f64.powi(e)
            }
        })
    });
    let clock = [
        15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0,
        43200.0,
    ];
    let days = (0..=9).flat_map(|e: i32| {
        [1.0, 2.0, 5.0]
            .into_iter()
            .map(move |m| m * 86400.0 * 10f64.powi(e))
    });
    small.filter(|&w| w <= 10.0).chain(clock).chain(days)
}

/// Index of the window of width `w` that holds time `t`. The small slack keeps a time that
/// is a whole number of windows (3 × 0.1 s, computed as 0.30000000000000004 or
/// 0.29999999999999999) in the window it starts rather than the one before.
pub fn window_of(t: f64, w: f64) -> f64 {
    (t / w + 1e-9).floor()
}

/// The window width for times from `first` to `last`: the smallest round width that covers
/// them in at most `most` windows. `span` stands in for `last - first` when every time is
/// the same, so that the one window still has a width in proportion to the run.
pub fn window_width(first: f64, last: f64, span: f64, most: usize) -> f64 {
    let count = |w: f64| window_of(last, w) - window_of(first, w) + 1.0;
    let span = if last > first { last - first } else { span };
    round_widths()
        .find(|&w| w * most as f64 >= span && count(w) <= most as f64)
        .unwrap_or_else(|| (last - first).max(span) / most as f64)
}

/// Consecutive windows of one round width: window `k` runs from `(first + k) × width_s` for
/// `width_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Seconds.
    pub width_s: f64,
    /// The first window's index, counted in widths from time 0.
    pub first: f64,
    /// Windows, at least 1.
    pub count: usize,
}

impl Grid {
    /// The windows over times from `first` to `last` of `values` clients or requests: at
    /// most one per two values and at most [`MAX_WINDOWS`]. `span` is the width to cover
    /// when every time is the same.
    pub fn over(first: f64, last: f64, span: f64, values: usize) -> Grid {
        let most = (values / 2).clamp(1, MAX_WINDOWS);
        let width_s = window_width(first, last, span, most);
        let k0 = window_of(first, width_s);
        Grid {
            width_s,
            first: k0,
            count: (window_of(last, width_s) - k0) as usize + 1,
        }
    }

    /// The window that holds time `t` (the last one for a time past it).
    pub fn index(&self, t: f64) -> usize {
        ((window_of(t, self.width_s) - self.first) as usize).min(self.count - 1)
    }
}

/// The latencies of one window's clients, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latencies {
    /// Nearest-rank median.
    pub p50_s: f64,
    /// Nearest-rank 99th percentile.
    pub p99_s: f64,
    /// The slowest.
    pub max_s: f64,
}

impl Latencies {
    /// The figures of `values` (any order; sorted here); `None` without values.
    pub fn of(values: &mut [f64]) -> Option<Latencies> {
        values.sort_by(f64::total_cmp);
        Some(Latencies {
            p50_s: percentile::of(values, 50.0)?,
            p99_s: percentile::of(values, 99.0)?,
            max_s: *values.last()?,
        })
    }
}

/// The clients due in one window `[start_s, start_s + width)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// When the window starts, in seconds.
    pub start_s: f64,
    /// Clients due in it.
    pub arrivals: usize,
    /// Of them, those counted late.
    pub late: usize,
    /// Their latencies; `None` without clients.
    pub latency: Option<Latencies>,
}

/// A load test's clients by due time: what the dashboard draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// Every window's width, in seconds.
    pub width_s: f64,
    /// In time order, empty windows included; none without clients.
    pub windows: Vec<Window>,
    /// Clients in every window together.
    pub clients: usize,
    /// Of them, those counted late.
    pub late: usize,
    /// `late` as a share of `clients`, in percent (0 without clients).
    pub late_percent: f64,
}

impl Windows {
    /// A run's clients by due time. Warm-up clients arrive and are drawn, but are not
    /// counted late: they are not judged.
    pub fn of_run(outcome: &Outcome, scenario: &Scenario, load: &LoadTest) -> Windows {
        let res = scenario.resolution();
        let clients: Vec<ClientLatency> = (0..outcome.clients())
            .map(|c| ClientLatency {
                due_s: res.to_seconds(outcome.due[c]),
                latency_s: res.to_seconds(outcome.latency(c)),
                late: c >= load.warmup as usize && !stats::in_time(outcome, c, scenario, load),
            })
            .collect();
        Windows::of(&clients)
    }

    /// `clients` (any order) by due time. A burst (every client due at once) gets one
    /// window as wide as a hundredth of the longest latency.
    pub fn of(clients: &[ClientLatency]) -> Windows {
        if clients.is_empty() {
            return Windows {
                width_s: 0.0,
                windows: Vec::new(),
                clients: 0,
                late: 0,
                late_percent: 0.0,
            };
        }
        let (mut first, mut last, mut longest) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
        for c in clients {
            first = first.min(c.due_s);
            last = last.max(c.due_s);
            longest = longest.max(c.latency_s);
        }
        let burst_span = if longest > 0.0 { longest } else { 1.0 };
        let grid = Grid::over(first, last, burst_span, clients.len());
        let mut latencies: Vec<Vec<f64>> = vec![Vec::new(); grid.count];
        let mut late = vec![0usize; grid.count];
        for c in clients {
            let k = grid.index(c.due_s);
            latencies[k].push(c.latency_s);
            late[k] += usize::from(c.late);
        }
        let windows: Vec<Window> = latencies
            .into_iter()
            .zip(late)
            .enumerate()
            .map(|(i, (mut l, late))| Window {
                start_s: (grid.first + i as f64) * grid.width_s,
                arrivals: l.len(),
                late,
                latency: Latencies::of(&mut l),
            })
            .collect();
        let late: usize = windows.iter().map(|v| v.late).sum();
        Windows {
            width_s: grid.width_s,
            late,
            late_percent: 100.0 * late as f64 / clients.len() as f64,
            windows,
            clients: clients.len(),
        }
    }
}

/// An open-loop run by time: the offered load (first arrivals and every attempt) and what
/// became of the clients due in each window.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenWindows {
    /// The windows; `None` without clients.
    pub grid: Option<Grid>,
    /// Per window, the clients first due in it.
    pub arrivals: Vec<usize>,
    /// Per window, the attempts begun in it, retries included.
    pub attempts: Vec<usize>,
    /// Per window, its clients satisfied, late and given up (indexed by [`ClientOutcome`]).
    pub outcomes: Vec<[usize; 3]>,
    /// Per window, the latencies of its clients that were served.
    pub latency: Vec<Option<Latencies>>,
    /// The longest latency of any served client, in seconds.
    pub longest_s: Option<f64>,
    /// Clients in every window together.
    pub clients: usize,
    /// Attempts in every window together.
    pub attempts_total: usize,
    /// Clients satisfied, late and given up in every window together.
    pub outcomes_total: [usize; 3],
}

impl OpenWindows {
    /// `clients` by first due time and attempts (their start times) by start; a burst gets
    /// one window of `span_s` seconds, at least 1.
    pub fn of(clients: &[OpenClient], attempts_s: &[f64], span_s: f64) -> OpenWindows {
        let mut outcomes_total = [0usize; 3];
        for c in clients {
            outcomes_total[c.outcome as usize] += 1;
        }
        let mut out = OpenWindows {
            grid: None,
            arrivals: Vec::new(),
            attempts: Vec::new(),
            outcomes: Vec::new(),
            latency: Vec::new(),
            longest_s: clients
                .iter()
                .filter_map(|c| c.latency_s)
                .fold(None, |m: Option<f64>, l| Some(m.map_or(l, |m| m.max(l)))),
            clients: clients.len(),
            attempts_total: attempts_s.len(),
            outcomes_total,
        };
        if clients.is_empty() {
            return out;
        }
        let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
        for t in clients
            .iter()
            .map(|c| c.due_s)
            .chain(attempts_s.iter().copied())
        {
            first = first.min(t);
            last = last.max(t);
        }
        let grid = Grid::over(first, last, span_s.max(1.0), clients.len());
        let n = grid.count;
        let (mut arrivals, mut attempts) = (vec![0usize; n], vec![0usize; n]);
        let mut outcomes = vec![[0usize; 3]; n];
        let mut latencies = vec![Vec::new(); n];
        for c in clients {
            let k = grid.index(c.due_s);
            arrivals[k] += 1;
            outcomes[k][c.outcome as usize] += 1;
            if let Some(l) = c.latency_s {
                latencies[k].push(l);
            }
        }
        for &a in attempts_s {
            attempts[grid.index(a)] += 1;
        }
        out.grid = Some(grid);
        out.arrivals = arrivals;
        out.attempts = attempts;
        out.outcomes = outcomes;
        out.latency = latencies.iter_mut().map(|l| Latencies::of(l)).collect();
        out
    }

    /// Clients in every window with this outcome.
    pub fn total(&self, outcome: ClientOutcome) -> usize {
        self.outcomes_total[outcome as usize]
    }
}

/// A closed loop by time, every replication together: responses by completion time, response
/// times by the time their request was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedWindows {
    /// The windows; `None` without requests.
    pub grid: Option<Grid>,
    /// Per window, the responses that came in it.
    pub done: Vec<usize>,
    /// Per window, the response times of the requests sent in it.
    pub response: Vec<Option<Latencies>>,
    /// The longest response time, in seconds (0 without requests).
    pub longest_s: f64,
    /// Requests in every window together.
    pub requests: usize,
}

impl ClosedWindows {
    /// `requests` (any order) from time 0 to the last response.
    pub fn of(requests: &[ClosedRequest]) -> ClosedWindows {
        let (mut first, mut last, mut longest) = (0.0f64, f64::NEG_INFINITY, 0.0f64);
        for q in requests {
            first = first.min(q.start_s);
            last = last.max(q.done_s);
            longest = longest.max(q.done_s - q.start_s);
        }
        let mut out = ClosedWindows {
            grid: None,
            done: Vec::new(),
            response: Vec::new(),
            longest_s: longest,
            requests: requests.len(),
        };
        if requests.is_empty() {
            return out;
        }
        let grid = Grid::over(first, last, longest.max(1.0), requests.len());
        let mut done = vec![0usize; grid.count];
        let mut response = vec![Vec::new(); grid.count];
        for q in requests {
            done[grid.index(q.done_s)] += 1;
            response[grid.index(q.start_s)].push(q.done_s - q.start_s);
        }
        out.grid = Some(grid);
        out.done = done;
        out.response = response.iter_mut().map(|r| Latencies::of(r)).collect();
        out
    }
}

/// Runs made by hand, for the tests of the windows and of the pictures drawn from them.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::ClientLatency;
    use crate::outcome::clients::{ClientOutcome, ClosedRequest, OpenClient};

    /// A client due at `due_s` and served in `latency_s`, late from 5 s.
    pub(crate) fn client(due_s: f64, latency_s: f64) -> ClientLatency {
        ClientLatency {
            due_s,
            latency_s,
            late: latency_s >= 5.0,
        }
    }

    /// A retry storm: 40 clients one a second, every fourth given up and the others
    /// satisfied in 2 s and a hundredth per second due (2.39 s the longest); 50 attempts,
    /// their first ones and 10 retries.
    pub(crate) fn storm() -> (Vec<OpenClient>, Vec<f64>) {
        let clients: Vec<OpenClient> = (0..40)
            .map(|i| OpenClient {
                due_s: f64::from(i),
                latency_s: (i % 4 != 0).then_some(2.0 + f64::from(i) / 100.0),
                outcome: if i % 4 == 0 {
                    ClientOutcome::GivenUp
                } else {
                    ClientOutcome::Satisfied
                },
            })
            .collect();
        let mut attempts_s: Vec<f64> = clients.iter().map(|c| c.due_s).collect();
        attempts_s.extend((0..10).map(|i| 4.0 * f64::from(i) + 3.0));
        (clients, attempts_s)
    }

    /// A closed loop's 50 requests, one sent a second and answered in half a second.
    pub(crate) fn steady_requests() -> Vec<ClosedRequest> {
        (0..50)
            .map(|i| ClosedRequest {
                start_s: f64::from(i),
                done_s: f64::from(i) + 0.5,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{client, steady_requests, storm};
    use super::*;

    #[test]
    fn widths_are_round_and_give_at_most_100_windows() {
        // 2000 clients every 0.5 s: 999.5 s of arrivals, 100 windows of 10 s.
        assert_eq!(window_width(0.0, 999.5, 1.0, 100), 10.0);
        assert_eq!(window_width(0.0, 9.0, 1.0, 100), 0.1);
        assert_eq!(window_width(0.0, 99.0, 1.0, 100), 1.0);
        assert_eq!(window_width(0.0, 3.0 * 3600.0, 1.0, 100), 120.0);
        // Ten clients every 0.5 s, five windows at most: 1 s windows, two clients each.
        assert_eq!(window_width(0.0, 4.5, 1.0, 5), 1.0);
        // All at once: one window, as wide as a hundredth of the longest latency.
        assert_eq!(window_width(0.0, 0.0, 12.0, 100), 0.2);
        // 0.3 s is the start of window 3 of 0.1 s, not the end of window 2.
        assert_eq!(window_of(0.1 + 0.2, 0.1), 3.0);
        let widths: Vec<f64> = round_widths().collect();
        assert!(widths.windows(2).all(|p| p[0] < p[1]), "{widths:?}");
        for w in [0.1, 0.5, 1.0, 5.0, 10.0, 60.0, 300.0, 3600.0] {
            assert!(widths.contains(&w), "{w}");
        }
    }

    #[test]
    fn windows_count_clients_late_ones_and_percentiles() {
        // 200 clients every 0.5 s (99.5 s): 100 windows of 1 s, two clients in each.
        let clients: Vec<ClientLatency> = (0..200)
            .map(|i| client(0.5 * f64::from(i), if i % 7 == 0 { 6.0 } else { 3.0 }))
            .collect();
        let w = Windows::of(&clients);
        assert_eq!(w.width_s, 1.0);
        assert_eq!(w.windows.len(), 100);
        assert!(w.windows.iter().all(|v| v.arrivals == 2));
        assert_eq!(w.late, clients.iter().filter(|c| c.late).count());
        assert_eq!(w.clients, 200);
        // Clients 0, 7, …, 196 are late: 29 of 200.
        assert_eq!((w.late, w.late_percent), (29, 14.5));
        // Window 0 holds clients 0 (6 s) and 1 (3 s): p50 3, p99 6.
        let first = w.windows[0].latency.unwrap();
        assert_eq!((first.p50_s, first.p99_s, first.max_s), (3.0, 6.0, 6.0));
        assert_eq!(w.windows[1].latency.unwrap().p99_s, 3.0);
    }

    #[test]
    fn an_empty_window_has_no_latency_and_no_client_no_window() {
        let mut clients: Vec<ClientLatency> = (0..100).map(|i| client(f64::from(i), 2.0)).collect();
        clients.extend((0..100).map(|i| client(200.0 + f64::from(i), 2.0)));
        let w = Windows::of(&clients);
        assert!(w
            .windows
            .iter()
            .any(|v| v.arrivals == 0 && v.latency.is_none()));
        assert_eq!(w.windows.iter().map(|v| v.arrivals).sum::<usize>(), 200);
        assert!(Windows::of(&[]).windows.is_empty());
    }

    #[test]
    fn window_percentiles_are_the_one_nearest_rank() {
        let mut values = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        let l = Latencies::of(&mut values).unwrap();
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(l.p50_s, percentile::of(&sorted, 50.0).unwrap());
        assert_eq!(l.p99_s, percentile::of(&sorted, 99.0).unwrap());
        assert_eq!((l.p50_s, l.p99_s, l.max_s), (3.0, 5.0, 5.0));
        assert_eq!(Latencies::of(&mut []), None);
    }

    #[test]
    fn open_windows_count_arrivals_attempts_and_outcomes() {
        let (clients, attempts_s) = storm();
        let w = OpenWindows::of(&clients, &attempts_s, 5.0);
        let grid = w.grid.unwrap();
        assert_eq!(w.arrivals.len(), grid.count);
        assert_eq!(w.arrivals.iter().sum::<usize>(), 40);
        assert_eq!(w.attempts.iter().sum::<usize>(), 50);
        assert_eq!(
            (w.clients, w.attempts_total, w.total(ClientOutcome::GivenUp)),
            (40, 50, 10)
        );
        assert_eq!(w.total(ClientOutcome::Satisfied), 30);
        assert_eq!(w.longest_s, Some(2.39));
        let given_up: usize = w.outcomes.iter().map(|o| o[2]).sum();
        assert_eq!(given_up, 10);
        assert!(OpenWindows::of(&[], &[], 5.0).grid.is_none());
    }

    #[test]
    fn closed_windows_count_responses_by_completion() {
        let w = ClosedWindows::of(&steady_requests());
        assert_eq!(w.done.iter().sum::<usize>(), 50);
        assert_eq!((w.requests, w.longest_s), (50, 0.5));
        assert!(w.response.iter().flatten().all(|l| l.p99_s == 0.5));
        assert!(ClosedWindows::of(&[]).grid.is_none());
    }
}
