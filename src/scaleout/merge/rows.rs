//! A sweep shard's rows, held against the study they say they are of: the merge ranks the
//! space again from the recorded scenario text and command line, and checks that each row is
//! a configuration of the space, in its shard's part, once; that its figures hold together
//! and give its verdict ([`super::trust`]); and that every column derived from its
//! configuration or the load test (cost, resources, capacities, bottleneck, rate, timeout,
//! each class's objective, replications) is what planner writes for it. The shards' rows are then exactly the
//! partition of the ranking their indices say, and the merge renders them through the sweep's
//! own report — table, CSV, summary line — as the single run does.

use csv::ByteRecord;
use rayon::prelude::*;

use super::trust::{Names, Rules, Stored};
use super::{damaged, MergeError, SweepCsv};
use crate::outcome::stats::{ClassFigures, Interval, Spread, Summary};
use crate::report::search::SearchContext;
use crate::search::{Candidate, Evaluated};

/// Every row of `shards` (a whole set, by [`super::check_sweep_set`]) checked against the
/// ranking `ctx` describes, as the sweep's results in rank order.
pub fn results(
    shards: Vec<(String, SweepCsv)>,
    ctx: &SearchContext<'_>,
    ranking: &[Candidate],
    rules: &Rules,
) -> Result<Vec<Evaluated>, MergeError> {
    let columns = ctx.csv_columns();
    let at = Columns::of(&columns, ctx);
    let index = Index::of(ctx, ranking);
    let mut slots: Vec<Option<Evaluated>> = vec![None; ranking.len()];
    // The line that holds each rank, 0 for none yet.
    let mut line_of: Vec<usize> = vec![0; ranking.len()];
    for (file, csv) in shards {
        let file = file.as_str();
        check_header(file, &csv.header, &columns)?;
        let shard = csv.head.meta.shard().expect("checked with the set");
        let place = Place {
            file,
            ctx,
            ranking,
            index: &index,
        };
        // Where each row sits in the ranking: in the space, in this shard's part, once.
        let mut ranks = Vec::with_capacity(csv.rows.len());
        for (i, (key, _)) in csv.rows.iter().enumerate() {
            let line = i + 3;
            let rank = place.rank(line, &key.levers)?;
            let refuse = |why: String| place.at(line, rank, why);
            if !shard.owns(rank) {
                return Err(refuse(format!(
                    "it is rank {rank} of the ranking, shard {}/{}'s to test, not shard {shard}'s",
                    rank % shard.count() as usize + 1,
                    shard.count()
                )));
            }
            if line_of[rank] != 0 {
                return Err(refuse(format!("it repeats line {}", line_of[rank])));
            }
            line_of[rank] = line;
            ranks.push(rank);
        }
        // Each row's figures, read and checked, in parallel; the first flaw in file order.
        let read: Vec<Result<Evaluated, MergeError>> = csv
            .rows
            .par_iter()
            .zip(&ranks)
            .enumerate()
            .map(|(i, ((_, record), &rank))| {
                figures(record, &at, ctx, rules.replications())
                    .and_then(|s| rules.check(&s, Stored::Printed, &Names::CSV).map(|_| s))
                    .map(|summary| Evaluated {
                        candidate: ranking[rank].clone(),
                        call: rules.call(&summary),
                        summary,
                        classes: Vec::new(),
                        cut_short: false,
                    })
                    .map_err(|why| place.at(i + 3, rank, why))
            })
            .collect();
        let again: Vec<Evaluated> = read.into_iter().collect::<Result<_, _>>()?;
        // Rendered again from the configuration and the figures, each row must be itself.
        let records = ctx
            .csv_records(&again)
            .map_err(|e| damaged(file, format!("its rows cannot be written again: {e}")))?;
        let differs = csv
            .rows
            .par_iter()
            .zip(&records)
            .position_first(|((_, stored), want)| stored != want);
        if let Some(i) = differs {
            let (stored, want) = (&csv.rows[i].1, &records[i]);
            let c = (0..columns.len())
                .find(|&c| stored.get(c) != want.get(c))
                .unwrap_or(0);
            let text =
                |r: &ByteRecord| String::from_utf8_lossy(r.get(c).unwrap_or(b"")).into_owned();
            return Err(place.at(
                i + 3,
                ranks[i],
                format!(
                    "{} is `{}`, not `{}` as {}",
                    columns[c],
                    text(stored),
                    text(want),
                    source(&columns[c], ctx)
                ),
            ));
        }
        for (e, r) in again.into_iter().zip(ranks) {
            slots[r] = Some(e);
        }
    }
    // Each shard holds its whole part (the set check) and only its part, once: every rank is
    // filled. A hole would be a bug of the checks above, not of a file.
    Ok(slots
        .into_iter()
        .map(|e| e.expect("the parts of a whole set cover the ranking"))
        .collect())
}

/// Each configuration's rank, by its place in the space (the odometer order of
/// [`crate::search::Space::config_at`]): a lookup without hashing a million lever vectors.
struct Index {
    /// Per lever, how many configurations one step of it skips in the odometer order.
    strides: Vec<usize>,
    /// The rank of the configuration at each place; `usize::MAX` for one not ranked.
    rank: Vec<usize>,
}

impl Index {
    fn of(ctx: &SearchContext<'_>, ranking: &[Candidate]) -> Index {
        let levers = ctx.study.space.levers();
        let mut strides = vec![1usize; levers.len()];
        for i in (0..levers.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * levers[i + 1].len();
        }
        let size = levers.first().map_or(1, |v| v.len()) * strides.first().copied().unwrap_or(1);
        let mut index = Index {
            strides,
            rank: vec![usize::MAX; size],
        };
        let places: Vec<usize> = ranking
            .par_iter()
            .map(|c| {
                index
                    .place(levers, c.config.values())
                    .expect("ranked from the space")
            })
            .collect();
        for (r, p) in places.into_iter().enumerate() {
            index.rank[p] = r;
        }
        index
    }

    /// The place of `values` in the space, or the first lever whose value it does not hold.
    fn place(
        &self,
        levers: &[crate::model::levers::Values],
        values: &[u32],
    ) -> Result<usize, usize> {
        values
            .iter()
            .zip(levers)
            .zip(&self.strides)
            .enumerate()
            .try_fold(0, |place, (i, ((v, allowed), stride))| {
                match allowed.as_slice().binary_search(v) {
                    Ok(k) => Ok(place + k * stride),
                    Err(_) => Err(i),
                }
            })
    }
}

/// What a refusal about one row needs to name it.
struct Place<'a> {
    file: &'a str,
    ctx: &'a SearchContext<'a>,
    ranking: &'a [Candidate],
    index: &'a Index,
}

impl Place<'_> {
    /// The rank of the configuration `levers`, which must be one of the space.
    fn rank(&self, line: usize, levers: &[u32]) -> Result<usize, MergeError> {
        let scenario = self.ctx.study.model;
        let stations = scenario.stations();
        if levers.len() != stations.len() {
            return Err(damaged(
                self.file,
                format!(
                    "line {line}: {} lever values for {} stations",
                    levers.len(),
                    stations.len()
                ),
            ));
        }
        let space = self.ctx.study.space.levers();
        match self.index.place(space, levers) {
            Err(i) => Err(damaged(
                self.file,
                format!(
                    "line {line}: {}={} is outside the space ({} {})",
                    stations[i].lever_name(),
                    levers[i],
                    stations[i].lever_name(),
                    space[i]
                ),
            )),
            Ok(p) if self.index.rank[p] == usize::MAX => Err(damaged(
                self.file,
                format!("line {line}: its configuration is not in the ranking"),
            )),
            Ok(p) => Ok(self.index.rank[p]),
        }
    }

    /// A refusal about the row at `line`, holding the configuration of `rank`.
    fn at(&self, line: usize, rank: usize, why: String) -> MergeError {
        let config = self.ranking[rank].config.describe(self.ctx.study.model);
        damaged(self.file, format!("line {line} ({config}): {why}"))
    }
}

/// Refuses a header that is not the one the sweep of this scenario writes.
fn check_header(file: &str, header: &ByteRecord, columns: &[String]) -> Result<(), MergeError> {
    let got: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if got == columns {
        return Ok(());
    }
    let i = got
        .iter()
        .zip(columns)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(columns.len()));
    let show = |v: Option<&String>| v.map_or("nothing".into(), |c| format!("`{c}`"));
    Err(damaged(
        file,
        format!(
            "its CSV header is not this sweep's: column {} is {}, not {}",
            i + 1,
            show(got.get(i)),
            show(columns.get(i))
        ),
    ))
}

/// Where a derived column's value comes from, for a refusal to say.
fn source(column: &str, ctx: &SearchContext<'_>) -> &'static str {
    let station_column = ctx
        .study
        .model
        .stations()
        .iter()
        .any(|s| column == s.lever_name() || column == format!("capacity_{}", s.name()));
    let objective_column = ctx.study.model.requests().iter().any(|r| {
        column == format!("timeout_{}", r.name) || column == format!("min_satisfaction_{}", r.name)
    });
    match column {
        "cpu_cores" | "ram_gib" | "cost" => "its configuration gives at the recorded prices",
        "rate" | "timeout" => "the recorded load test gives",
        _ if objective_column => "the recorded load test gives",
        _ if station_column || column == "bottleneck" => "its configuration gives",
        _ => "planner writes its figures",
    }
}

/// Where each figure of a sweep row is, found once by the header's names.
struct Columns {
    names: Vec<String>,
    clients: usize,
    satisfied: usize,
    satisfaction: usize,
    p50: usize,
    p95: usize,
    p99: usize,
    max: usize,
    meets_target: usize,
    replications: usize,
    low: usize,
    high: usize,
    mean: usize,
    /// Per class: its satisfaction, the interval's ends and its p99.
    classes: Vec<[usize; 4]>,
}

impl Columns {
    fn of(columns: &[String], ctx: &SearchContext<'_>) -> Columns {
        let at = |name: &str| {
            columns
                .iter()
                .position(|c| c == name)
                .expect("a sweep column")
        };
        Columns {
            names: columns.to_vec(),
            clients: at("clients"),
            satisfied: at("satisfied"),
            satisfaction: at("satisfaction"),
            p50: at("p50_s"),
            p95: at("p95_s"),
            p99: at("p99_s"),
            max: at("max_s"),
            meets_target: at("meets_target"),
            replications: at("replications"),
            low: at("satisfaction_low"),
            high: at("satisfaction_high"),
            mean: at("mean_s"),
            classes: ctx
                .study
                .model
                .requests()
                .iter()
                .map(|r| {
                    [
                        "satisfaction",
                        "satisfaction_low",
                        "satisfaction_high",
                        "p99_s",
                    ]
                    .map(|c| at(&format!("{c}_{}", r.name)))
                })
                .collect(),
        }
    }
}

/// A row's figures as a [`Summary`], exactly what the CSV keeps of one: its clients, counts,
/// latencies (whole steps), satisfaction and its interval (rounded as printed), verdict and
/// class satisfactions; intervals the CSV does not print hold the row's own figure.
fn figures(
    record: &ByteRecord,
    at: &Columns,
    ctx: &SearchContext<'_>,
    runs: usize,
) -> Result<Summary, String> {
    let field = |i: usize| -> (&str, &str) {
        let text = record.get(i).and_then(|b| std::str::from_utf8(b).ok());
        (at.names[i].as_str(), text.unwrap_or("\u{fffd}"))
    };
    let number = |i: usize| -> Result<f64, String> {
        let (name, text) = field(i);
        let v: f64 = text
            .parse()
            .map_err(|_| format!("{name} is `{text}`, not a number"))?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!("{name} is {text}, not a finite number"))
        }
    };
    let whole = |i: usize| -> Result<usize, String> {
        let (name, text) = field(i);
        text.parse()
            .map_err(|_| format!("{name} is `{text}`, not a whole number"))
    };
    let res = ctx.study.model.resolution();
    let steps = |i: usize| -> Result<u64, String> {
        let v = number(i)?;
        let steps = (v * 1e9 / res.nanos() as f64).round();
        if v < 0.0 || steps >= u64::MAX as f64 {
            return Err(format!("{} is {v}, not a latency", field(i).0));
        }
        Ok(steps as u64)
    };
    let (name, text) = field(at.meets_target);
    let meets_target = text
        .parse::<bool>()
        .map_err(|_| format!("{name} is `{text}`, not true or false"))?;
    let satisfaction = number(at.satisfaction)?;
    let replications = whole(at.replications)?;
    let mean_s = number(at.mean)?;
    let point = |v: f64| Interval {
        mean: v,
        low: v,
        high: v,
    };
    let spread = if replications > 1 || runs > 1 {
        Some(Spread {
            replications,
            satisfaction: Interval {
                mean: satisfaction,
                low: number(at.low)?,
                high: number(at.high)?,
            },
            mean_s: point(mean_s),
            p50_s: point(number(at.p50)?),
            p95_s: point(number(at.p95)?),
            p99_s: point(number(at.p99)?),
            max_s: point(number(at.max)?),
        })
    } else {
        None
    };
    Ok(Summary {
        clients: whole(at.clients)?,
        satisfied: whole(at.satisfied)?,
        satisfaction,
        p50_steps: steps(at.p50)?,
        p95_steps: steps(at.p95)?,
        p99_steps: steps(at.p99)?,
        max_steps: steps(at.max)?,
        mean_steps: mean_s / res.seconds(),
        meets_target,
        spread,
        classes: at
            .classes
            .iter()
            .map(|&[sat, low, high, p99]| {
                // A class with no client has empty cells but its satisfaction.
                let empty = |i: usize| field(i).1.is_empty();
                Ok(ClassFigures {
                    satisfaction: number(sat)?,
                    interval: if empty(low) && empty(high) {
                        None
                    } else {
                        Some((number(low)?, number(high)?))
                    },
                    p99_steps: if empty(p99) { None } else { Some(steps(p99)?) },
                })
            })
            .collect::<Result<_, String>>()?,
        throughput: None,
    })
}
