//! A run of clients with rules, summed up once: for the open loop the clients served in
//! time, late and given up, the attempts, the goodput, the served clients' latencies and when
//! the run settled; for the closed loop the throughput, the response times and how the users
//! split their time. A report's table, JSON document and page show these figures and compute
//! none, so that they cannot disagree.

use crate::model::objective::Share;
use crate::model::percentile;
use crate::model::units::Resolution;
use crate::outcome::records::{percent, ClassTally, Fate, Request, Story};
use crate::outcome::stats::Interval;
use crate::outcome::verdict::Call;

/// What became of an open-loop client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientOutcome {
    /// Served within the timeout of its first due time.
    Satisfied,
    /// Served, but too late.
    Late,
    /// Gave up for good.
    GivenUp,
}

impl ClientOutcome {
    /// What became of `fate`, judged by its class's timeout (`timeouts[k]`: class `k`'s, in
    /// steps; one entry for the fan-out).
    pub fn of(fate: &Fate, timeouts: &[u64]) -> ClientOutcome {
        match fate.served {
            None => ClientOutcome::GivenUp,
            Some(s) if s - fate.due < timeouts[fate.class as usize] => ClientOutcome::Satisfied,
            Some(_) => ClientOutcome::Late,
        }
    }

    /// The CSV's word for it.
    pub fn name(self) -> &'static str {
        match self {
            ClientOutcome::Satisfied => "satisfied",
            ClientOutcome::GivenUp => "given_up",
            ClientOutcome::Late => "late",
        }
    }
}

/// One open-loop client in model seconds, as the pictures place it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenClient {
    /// Its first due time.
    pub due_s: f64,
    /// From its first due time to its service; `None` when it gave up for good.
    pub latency_s: Option<f64>,
    /// What became of it.
    pub outcome: ClientOutcome,
}

/// One closed-loop request in model seconds, as the pictures place it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedRequest {
    /// When the user sent it.
    pub start_s: f64,
    /// When its response came.
    pub done_s: f64,
}

/// An open-loop run's figures, over the clients past the warm-up.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenFigures {
    /// Clients counted.
    pub clients: usize,
    /// Served within their class's timeout of their first due time.
    pub satisfied: usize,
    /// Served, but too late.
    pub late: usize,
    /// Gave up for good.
    pub given_up: usize,
    /// `given_up` over `clients` (0 without clients).
    pub given_up_share: f64,
    /// `satisfied` as a share of `clients`, in percent (0 without clients).
    pub satisfied_percent: f64,
    /// `late` as a share of `clients`, in percent.
    pub late_percent: f64,
    /// `given_up` as a share of `clients`, in percent.
    pub given_up_percent: f64,
    /// Attempts made, retries included.
    pub attempts: u64,
    /// Attempts per client (the retry amplification; 0 without clients).
    pub amplification: f64,
    /// Satisfied clients per second, from the first due time to the last end; NaN when
    /// they all came and went at one instant.
    pub goodput: f64,
    /// The served clients' nearest-rank median latency in seconds; `None`: none was served.
    pub latency_p50_s: Option<f64>,
    /// Their 99th percentile, as `latency_p50_s`.
    pub latency_p99_s: Option<f64>,
    /// `None`: every client satisfied; `Some(None)`: the last one was not; `Some(Some(t))`:
    /// every client due from `t` seconds on was (a retry storm outlives the burst that
    /// started it).
    pub settled: Option<Option<f64>>,
    /// Per station in scenario order, the seconds of service spent on attempts given up.
    pub wasted_s: Vec<f64>,
    /// Per class index (one entry for the fan-out), its clients' tally.
    pub classes: Vec<ClassTally>,
    /// Per request class (none for the fan-out), whether its share of satisfied clients
    /// meets its objective: one run is what it is, its count decides.
    pub classes_meet: Vec<bool>,
    /// Per class index (one entry for the fan-out), the timeout its clients were judged by,
    /// in steps.
    pub timeouts: Vec<u64>,
}

impl OpenFigures {
    /// The figures of `story` from client `warmup` on, each client judged by its class's
    /// timeout (`timeouts[k]`, in steps), each request class by its share (`shares[k]`; none
    /// for the fan-out).
    pub fn of(
        story: &Story,
        timeouts: &[u64],
        shares: &[Share],
        warmup: u32,
        res: Resolution,
    ) -> OpenFigures {
        let fates = &story.fates;
        let counted = &fates[(warmup as usize).min(fates.len())..];
        let outcome = |f: &Fate| ClientOutcome::of(f, timeouts);
        let count = |o: ClientOutcome| counted.iter().filter(|f| outcome(f) == o).count();
        let clients = counted.len();
        let satisfied = count(ClientOutcome::Satisfied);
        let given_up = count(ClientOutcome::GivenUp);
        let attempts: u64 = counted.iter().map(|f| f.attempts as u64).sum();
        let first = counted.iter().map(|f| f.due).min().unwrap_or(0);
        let last = counted.iter().map(|f| f.ended).max().unwrap_or(0);
        let span = (last - first) as f64 * res.seconds();
        let goodput = if span > 0.0 {
            satisfied as f64 / span
        } else {
            f64::NAN
        };
        let mut latencies: Vec<f64> = counted
            .iter()
            .filter_map(|f| f.served.map(|s| (s - f.due) as f64 * res.seconds()))
            .collect();
        latencies.sort_by(f64::total_cmp);
        // When the run recovered: the due time after the last unsatisfied client.
        let settled = counted
            .iter()
            .rposition(|f| outcome(f) != ClientOutcome::Satisfied)
            .map(|i| counted.get(i + 1).map(|f| f.due as f64 * res.seconds()));
        let late = count(ClientOutcome::Late);
        let classes = story.by_class(timeouts, warmup as usize);
        let classes_meet = classes
            .iter()
            .zip(shares)
            .map(|(t, &share)| Call::exact(t.satisfied, t.clients, share) == Call::Meets)
            .collect();
        OpenFigures {
            clients,
            satisfied,
            late,
            given_up,
            given_up_share: given_up as f64 / clients.max(1) as f64,
            satisfied_percent: percent(satisfied, clients),
            late_percent: percent(late, clients),
            given_up_percent: percent(given_up, clients),
            attempts,
            amplification: attempts as f64 / clients.max(1) as f64,
            goodput,
            latency_p50_s: percentile::of(&latencies, 50.0),
            latency_p99_s: percentile::of(&latencies, 99.0),
            settled,
            wasted_s: story
                .wasted
                .iter()
                .map(|&w| w as f64 * res.seconds())
                .collect(),
            classes,
            classes_meet,
            timeouts: timeouts.to_vec(),
        }
    }
}

/// A closed loop's figures over its replications, the first `warmup` requests of each left
/// out of the response times.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedFigures {
    /// Requests completed within the duration per second, over the replications.
    pub throughput: Interval,
    /// Each replication's mean response time in seconds, over the replications.
    pub response: Interval,
    /// Response times counted, every replication together.
    pub requests: usize,
    /// Their nearest-rank median, in seconds; `None`: no request was counted.
    pub response_p50_s: Option<f64>,
    /// Their 95th percentile, as `response_p50_s`.
    pub response_p95_s: Option<f64>,
    /// Their 99th percentile, as `response_p50_s`.
    pub response_p99_s: Option<f64>,
    /// The share of the users' time spent waiting for a response (Little's law: X·R / N,
    /// its mean over the replications, at most 1).
    pub waiting_share: f64,
    /// The rest of their time, thinking.
    pub thinking_share: f64,
}

impl ClosedFigures {
    /// The figures of `replications` (each one's requests, sorted by start) of `users` users
    /// over `duration_s` seconds.
    pub fn of(
        replications: &[Vec<Request>],
        warmup: u32,
        users: u32,
        duration_s: f64,
        res: Resolution,
    ) -> ClosedFigures {
        let end = res.nearest_steps(duration_s);
        let (mut xs, mut rs, mut waits) = (Vec::new(), Vec::new(), Vec::new());
        let mut all = Vec::new();
        for reqs in replications {
            let done_in = reqs.iter().filter(|q| q.done <= end).count();
            xs.push(done_in as f64 / duration_s);
            let resp: Vec<f64> = counted(reqs, warmup)
                .iter()
                .map(|q| (q.done - q.start) as f64 * res.seconds())
                .collect();
            let mean = resp.iter().sum::<f64>() / resp.len().max(1) as f64;
            rs.push(mean);
            waits.push(done_in as f64 / duration_s * mean / users as f64);
            all.extend(resp);
        }
        all.sort_by(f64::total_cmp);
        let waiting = Interval::of(&waits).mean.min(1.0);
        ClosedFigures {
            throughput: Interval::of(&xs),
            response: Interval::of(&rs),
            requests: all.len(),
            response_p50_s: percentile::of(&all, 50.0),
            response_p95_s: percentile::of(&all, 95.0),
            response_p99_s: percentile::of(&all, 99.0),
            waiting_share: waiting,
            thinking_share: 1.0 - waiting,
        }
    }
}

/// A replication's requests past the first `warmup`: those its response times count.
pub fn counted(requests: &[Request], warmup: u32) -> &[Request] {
    &requests[(warmup as usize).min(requests.len())..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fate(due: u64, served: Option<u64>, attempts: u32, class: u32) -> Fate {
        Fate {
            due,
            served,
            attempts,
            ended: served.unwrap_or(due + 10),
            class,
        }
    }

    #[test]
    fn each_class_is_tallied_in_percent_and_judged_by_its_own_share() {
        let story = Story {
            fates: vec![
                fate(0, Some(1), 1, 0), // class 0: satisfied
                fate(1, Some(9), 2, 0), // class 0: late (timeout 5)
                fate(2, Some(4), 1, 0), // class 0: satisfied
                fate(3, Some(4), 1, 1), // class 1: satisfied
                fate(4, None, 3, 1),    // class 1: given up
            ],
            wasted: vec![0],
            attempts: Vec::new(),
        };
        let half = Share::new(50.0).unwrap();
        let f = OpenFigures::of(
            &story,
            &[5, 5],
            &[half, Share::ALL],
            0,
            Resolution::MILLISECOND,
        );
        // Class 0: 2 of 3 satisfied meets half; class 1: 1 of 2 misses all.
        assert_eq!(f.classes_meet, vec![true, false]);
        let c = f.classes[1];
        assert_eq!(
            (c.satisfied_percent, c.late_percent, c.given_up_percent),
            (50.0, 0.0, 50.0)
        );
        assert_eq!(f.classes[0].late_percent, 100.0 / 3.0);
        assert_eq!(f.timeouts, vec![5, 5]);
        assert_eq!((f.satisfied_percent, f.late_percent), (60.0, 20.0));
    }

    #[test]
    fn open_figures_count_each_client_once_and_say_when_the_run_settled() {
        let story = Story {
            fates: vec![
                fate(0, Some(1), 1, 0), // warm-up: left out
                fate(1, Some(9), 2, 0), // late (timeout 5)
                fate(2, None, 3, 0),    // given up
                fate(3, Some(5), 1, 0), // satisfied
                fate(4, Some(6), 1, 0), // satisfied
            ],
            wasted: vec![4, 0],
            attempts: Vec::new(),
        };
        let f = OpenFigures::of(&story, &[5], &[], 1, Resolution::MILLISECOND);
        assert_eq!(
            (f.clients, f.satisfied, f.late, f.given_up, f.attempts),
            (4, 2, 1, 1, 7)
        );
        assert_eq!(f.given_up_share, 0.25);
        assert_eq!(
            (f.satisfied_percent, f.late_percent, f.given_up_percent),
            (50.0, 25.0, 25.0)
        );
        // The fan-out has no class objective to meet.
        assert!(f.classes_meet.is_empty());
        assert_eq!(f.amplification, 1.75);
        // Served latencies 8, 2, 2 ms: p50 2 ms, p99 8 ms.
        assert_eq!(f.latency_p50_s, Some(0.002));
        assert_eq!(f.latency_p99_s, Some(0.008));
        // The last unsatisfied client is the one due at 2: settled from 3 on.
        assert_eq!(f.settled, Some(Some(0.003)));
        assert_eq!(f.wasted_s, vec![0.004, 0.0]);
        assert_eq!(f.classes[0].clients, 4);
        // Every client satisfied: nothing to settle; nobody served: no percentile.
        let calm = Story {
            fates: vec![fate(0, Some(1), 1, 0)],
            ..story.clone()
        };
        assert_eq!(
            OpenFigures::of(&calm, &[5], &[], 0, Resolution::MILLISECOND).settled,
            None
        );
        let gone = Story {
            fates: vec![fate(0, None, 2, 0)],
            ..story
        };
        let g = OpenFigures::of(&gone, &[5], &[], 0, Resolution::MILLISECOND);
        assert_eq!((g.settled, g.latency_p50_s), (Some(None), None));
    }

    #[test]
    fn closed_figures_apply_littles_law_and_leave_the_warm_up_out() {
        let req = |user, start, done| Request {
            user,
            start,
            done,
            class: 0,
        };
        // Two users over 10 s, 1 s steps: four requests of 1 s, then one of 3 s done late.
        let run = vec![
            req(0, 0, 1),
            req(1, 0, 1),
            req(0, 2, 3),
            req(1, 2, 3),
            req(0, 8, 11),
        ];
        let f = ClosedFigures::of(&[run], 1, 2, 10.0, Resolution::from_seconds(1.0).unwrap());
        // Four of five done within 10 s.
        assert_eq!(f.throughput.mean, 0.4);
        // The warm-up request out: 1, 1, 1, 3 s, mean 1.5 s.
        assert_eq!((f.requests, f.response.mean), (4, 1.5));
        assert_eq!(f.response_p50_s, Some(1.0));
        assert_eq!(f.response_p99_s, Some(3.0));
        // X·R / N = 0.4 · 1.5 / 2.
        assert!((f.waiting_share - 0.3).abs() < 1e-12);
        assert!((f.thinking_share - 0.7).abs() < 1e-12);
    }
}
