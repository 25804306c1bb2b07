//! Request flows: what one request does, as a small language, parsed once per scenario.
//!
//! The tutorial's order is the flow `all(soda, burger, fries)`. A real service is a call graph:
//! `auth -> all(catalog, pick(0.9: cache, 0.1: db)) -> render`. This module turns that text
//! into a [`Flow`] tree over station indices, refusing with the column every text that is not a
//! flow, and derives from it what capacity planning needs: the expected visits (and service
//! demand) per request at each station. The engine runs the tree as composed futures; nothing
//! here knows about time or execution.
//!
//! Grammar (docs/model.md, "Request flows"):
//! ```text
//! flow  = step { "->" step }
//! step  = visit | all | pick | "(" flow ")"
//! visit = NAME [ "(" SECONDS ")" ]
//! all   = "all(" flow { "," flow } ")"
//! pick  = "pick(" P ":" flow { "," P ":" flow } ")"
//! ```

use std::fmt;

/// How deep `all`, `pick` and parentheses may nest: deeper is surely a mistake, and the
/// limit keeps the recursive parser's stack bounded whatever the input.
pub const MAX_DEPTH: usize = 64;

/// How many branches one `all` or `pick` may have: a client runs every branch of an `all` as
/// a future of a few hundred bytes, so more is surely a generated mistake, and a bound
/// on the work and memory of each client.
pub const MAX_BRANCHES: usize = 100_000;

/// How far pick probabilities may sum away from 1 and still be accepted.
pub const PROBABILITY_TOLERANCE: f64 = 1e-9;

/// One request's flow over the scenario's stations (indices in scenario order).
#[derive(Debug, Clone, PartialEq)]
pub enum Flow {
    /// One visit; `service` overrides the station's mean service time, in seconds.
    Visit {
        /// Index into the scenario's stations.
        station: usize,
        /// `None`: the station's own service time.
        service: Option<f64>,
    },
    /// Steps one after the other.
    Seq(Vec<Flow>),
    /// Branches at once; done when every branch is done.
    All(Vec<Flow>),
    /// One branch, drawn with these probabilities (summing to 1).
    Pick(Vec<(f64, Flow)>),
}

/// What the parser needs to know of a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StationRef<'a> {
    /// The name a visit must spell exactly.
    pub name: &'a str,
    /// Whether a visit may carry its own service time (a pool's visit may; a batch station's
    /// batch time belongs to the station).
    pub takes_service: bool,
}

/// Why a text is not a flow; `column` is 1-based, in characters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FlowError {
    /// Where in the flow text the problem starts, so the message can point at it.
    pub column: usize,
    /// What is wrong there, and what was expected.
    pub message: String,
}

impl Flow {
    /// The tutorial's fan-out: every station at once.
    pub fn fan_out(stations: usize) -> Flow {
        let visits: Vec<Flow> = (0..stations)
            .map(|station| Flow::Visit {
                station,
                service: None,
            })
            .collect();
        if visits.len() == 1 {
            visits.into_iter().next().expect("one")
        } else {
            Flow::All(visits)
        }
    }

    /// Parses `text` against the scenario's stations.
    pub fn parse(text: &str, stations: &[StationRef<'_>]) -> Result<Flow, FlowError> {
        let mut parser = Parser {
            chars: text.chars().collect(),
            at: 0,
            stations,
            // A visit finds its station in constant time: a flow may name thousands.
            index: stations
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name, i))
                .collect(),
        };
        parser.skip_space();
        if parser.at == parser.chars.len() {
            return Err(parser.error_here("the flow is empty"));
        }
        let flow = parser.flow(0)?;
        parser.skip_space();
        if parser.at < parser.chars.len() {
            return Err(parser.error_here(&format!(
                "unexpected `{}`: expected `->`, or the end of the flow",
                parser.chars[parser.at]
            )));
        }
        Ok(flow)
    }

    /// Expected visits per request to each station (a `pick` weighs its branches).
    pub fn expected_visits(&self, stations: usize) -> Vec<f64> {
        let mut out = vec![0.0; stations];
        self.add_visits(1.0, &mut |station, _service, weight| out[station] += weight);
        out
    }

    /// Expected service demand per request at each station, in seconds: Σ visits × service
    /// time, where `service[station]` is the station's mean service time unless the visit
    /// names its own. (A batch station's demand per portion is batch time / batch size: the
    /// caller passes that as its service time.)
    pub fn expected_demand(&self, service: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; service.len()];
        self.add_visits(1.0, &mut |station, own, weight| {
            out[station] += weight * own.unwrap_or(service[station]);
        });
        out
    }

    /// Whether some `pick` makes the flow random.
    pub fn is_random(&self) -> bool {
        match self {
            Flow::Visit { .. } => false,
            Flow::Seq(steps) | Flow::All(steps) => steps.iter().any(Flow::is_random),
            Flow::Pick(_) => true,
        }
    }

    fn add_visits(&self, weight: f64, visit: &mut dyn FnMut(usize, Option<f64>, f64)) {
        match self {
            Flow::Visit { station, service } => visit(*station, *service, weight),
            Flow::Seq(steps) | Flow::All(steps) => {
                for s in steps {
                    s.add_visits(weight, visit);
                }
            }
            Flow::Pick(branches) => {
                for (p, b) in branches {
                    b.add_visits(weight * p, visit);
                }
            }
        }
    }

    /// Writes the flow back in the grammar, with station names.
    pub fn display<'a>(&'a self, names: &'a [&'a str]) -> impl fmt::Display + 'a {
        Shown { flow: self, names }
    }
}

struct Shown<'a> {
    flow: &'a Flow,
    names: &'a [&'a str],
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sub = |flow| Shown {
            flow,
            names: self.names,
        };
        match self.flow {
            Flow::Visit { station, service } => {
                write!(f, "{}", self.names[*station])?;
                if let Some(s) = service {
                    write!(f, "({s})")?;
                }
                Ok(())
            }
            Flow::Seq(steps) => {
                for (i, s) in steps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" -> ")?;
                    }
                    match s {
                        Flow::Seq(_) => write!(f, "({})", sub(s))?,
                        _ => write!(f, "{}", sub(s))?,
                    }
                }
                Ok(())
            }
            Flow::All(branches) => {
                f.write_str("all(")?;
                for (i, b) in branches.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", sub(b))?;
                }
                f.write_str(")")
            }
            Flow::Pick(branches) => {
                f.write_str("pick(")?;
                for (i, (p, b)) in branches.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}: {}", sub(b))?;
                }
                f.write_str(")")
            }
        }
    }
}

struct Parser<'s> {
    chars: Vec<char>,
    at: usize,
    stations: &'s [StationRef<'s>],
    index: std::collections::HashMap<&'s str, usize>,
}

impl Parser<'_> {
    fn error_at(&self, at: usize, message: &str) -> FlowError {
        FlowError {
            column: at + 1,
            message: message.to_string(),
        }
    }

    fn error_here(&self, message: &str) -> FlowError {
        self.error_at(self.at, message)
    }

    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Consumes `token` (after spaces) if it is next.
    fn eat(&mut self, token: &str) -> bool {
        self.skip_space();
        let n = token.chars().count();
        if self.chars.len() >= self.at + n
            && self.chars[self.at..self.at + n]
                .iter()
                .copied()
                .eq(token.chars())
        {
            self.at += n;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str, what: &str) -> Result<(), FlowError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error_here(&match self.peek() {
                Some(c) => format!("expected {what}, found `{c}`"),
                None => format!("expected {what}, found the end of the flow"),
            }))
        }
    }

    /// Consumes the `,` that adds a branch to `branches` of `what` (`all(`, `pick(`) if it
    /// is next; refuses it, pointing at it, when that makes more than [`MAX_BRANCHES`].
    fn another_branch(&mut self, branches: usize, what: &str) -> Result<bool, FlowError> {
        self.skip_space();
        let comma = self.at;
        if !self.eat(",") {
            return Ok(false);
        }
        if branches >= MAX_BRANCHES {
            return Err(self.error_at(
                comma,
                &format!("this `{what}` has more than {MAX_BRANCHES} branches"),
            ));
        }
        Ok(true)
    }

    fn deeper(&self, depth: usize) -> Result<usize, FlowError> {
        if depth >= MAX_DEPTH {
            Err(self.error_here(&format!("the flow nests deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(depth + 1)
        }
    }

    fn flow(&mut self, depth: usize) -> Result<Flow, FlowError> {
        // A group in a sequence is the same sequence: `a -> (b -> c)` is `a -> b -> c`.
        let mut steps = Vec::new();
        loop {
            match self.step(depth)? {
                Flow::Seq(inner) => steps.extend(inner),
                step => steps.push(step),
            }
            if !self.eat("->") {
                break;
            }
        }
        Ok(if steps.len() == 1 {
            steps.pop().expect("one")
        } else {
            Flow::Seq(steps)
        })
    }

    fn step(&mut self, depth: usize) -> Result<Flow, FlowError> {
        self.skip_space();
        let start = self.at;
        if self.eat("(") {
            let depth = self.deeper(depth)?;
            let inner = self.flow(depth)?;
            self.expect(")", "`)` closing the group")?;
            return Ok(inner);
        }
        let name = self.name();
        if name.is_empty() {
            return Err(self.error_here(&match self.peek() {
                Some(c) => format!("expected a station, `all(`, `pick(` or `(`, found `{c}`"),
                None => "expected a station, `all(`, `pick(` or `(`, found the end of the flow"
                    .to_string(),
            }));
        }
        let open = {
            let save = self.at;
            let open = self.eat("(");
            if !open {
                self.at = save;
            }
            open
        };
        match (name.as_str(), open) {
            ("all", true) => {
                let depth = self.deeper(depth)?;
                self.skip_space();
                if self.peek() == Some(')') {
                    return Err(self.error_here("`all()` needs at least one branch"));
                }
                let mut branches = vec![self.flow(depth)?];
                while self.another_branch(branches.len(), "all(")? {
                    branches.push(self.flow(depth)?);
                }
                self.expect(")", "`,` or `)` closing `all(`")?;
                Ok(Flow::All(branches))
            }
            ("pick", true) => {
                let depth = self.deeper(depth)?;
                let mut branches = Vec::new();
                loop {
                    self.skip_space();
                    let at = self.at;
                    let p = self.number().ok_or_else(|| {
                        self.error_at(at, "expected a probability (a number from 0 to 1) then `:`")
                    })?;
                    if !(p > 0.0 && p <= 1.0) {
                        return Err(self.error_at(
                            at,
                            &format!(
                                "probability {} is not in (0, 1]",
                                crate::model::units::number(p)
                            ),
                        ));
                    }
                    self.expect(":", "`:` after the probability")?;
                    branches.push((p, self.flow(depth)?));
                    if !self.another_branch(branches.len(), "pick(")? {
                        break;
                    }
                }
                self.expect(")", "`,` or `)` closing `pick(`")?;
                let sum: f64 = branches.iter().map(|(p, _)| p).sum();
                if (sum - 1.0).abs() > PROBABILITY_TOLERANCE {
                    return Err(self.error_at(
                        start,
                        &format!(
                            "the probabilities of this `pick` sum to {}, not 1",
                            crate::model::units::number(sum)
                        ),
                    ));
                }
                Ok(Flow::Pick(branches))
            }
            (_, open) => {
                let station = *self.index.get(name.as_str()).ok_or_else(|| {
                    self.error_at(
                        start,
                        &format!(
                            "unknown station `{name}` (the scenario has {})",
                            crate::model::quote::names(self.stations.iter().map(|s| s.name))
                        ),
                    )
                })?;
                let service = if open {
                    self.skip_space();
                    let at = self.at;
                    let s = self.number().ok_or_else(|| {
                        self.error_at(at, &format!("expected `{name}`'s service time in seconds"))
                    })?;
                    if !(s.is_finite() && s > 0.0) {
                        return Err(self.error_at(
                            at,
                            &format!(
                                "service time {} is not a positive number of seconds",
                                crate::model::units::number(s)
                            ),
                        ));
                    }
                    if !self.stations[station].takes_service {
                        return Err(self.error_at(
                            start,
                            &format!(
                                "`{name}` is a batch station: its batch time is the station's, \
                                 a visit cannot set its own"
                            ),
                        ));
                    }
                    self.expect(")", "`)` after the service time")?;
                    Some(s)
                } else {
                    None
                };
                Ok(Flow::Visit { station, service })
            }
        }
    }

    fn name(&mut self) -> String {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' && !self.arrow())
        {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// Whether `->` starts here (a `-` inside a name must not eat the arrow).
    fn arrow(&self) -> bool {
        self.chars.get(self.at + 1) == Some(&'>')
    }

    fn number(&mut self) -> Option<f64> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        let value = text.parse::<f64>().ok();
        if value.is_none() {
            self.at = start;
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: [StationRef<'static>; 6] = [
        StationRef {
            name: "auth",
            takes_service: true,
        },
        StationRef {
            name: "catalog",
            takes_service: true,
        },
        StationRef {
            name: "db",
            takes_service: true,
        },
        StationRef {
            name: "cache",
            takes_service: false,
        },
        StationRef {
            name: "render",
            takes_service: true,
        },
        StationRef {
            name: "payment",
            takes_service: true,
        },
    ];

    fn parse(text: &str) -> Result<Flow, FlowError> {
        Flow::parse(text, &SHOP)
    }

    fn visit(station: usize) -> Flow {
        Flow::Visit {
            station,
            service: None,
        }
    }

    #[test]
    fn parses_the_issue_examples() {
        let browse = parse("auth -> all(catalog, pick(0.9: cache, 0.1: db)) -> render").unwrap();
        assert_eq!(
            browse,
            Flow::Seq(vec![
                visit(0),
                Flow::All(vec![
                    visit(1),
                    Flow::Pick(vec![(0.9, visit(3)), (0.1, visit(2))])
                ]),
                visit(4),
            ])
        );
        let checkout = parse("auth -> db(0.02) -> db(0.01) -> payment").unwrap();
        assert_eq!(
            checkout,
            Flow::Seq(vec![
                visit(0),
                Flow::Visit {
                    station: 2,
                    service: Some(0.02)
                },
                Flow::Visit {
                    station: 2,
                    service: Some(0.01)
                },
                visit(5),
            ])
        );
        assert!(browse.is_random());
        assert!(!checkout.is_random());
    }

    #[test]
    fn display_round_trips() {
        let names: Vec<&str> = SHOP.iter().map(|s| s.name).collect();
        for text in [
            "auth -> all(catalog, pick(0.9: cache, 0.1: db)) -> render",
            "auth -> db(0.02) -> db(0.01) -> payment",
            "all(auth -> db, (catalog -> render) -> payment)",
        ] {
            let flow = parse(text).unwrap();
            let shown = flow.display(&names).to_string();
            assert_eq!(parse(&shown).unwrap(), flow, "{text} → {shown}");
        }
    }

    #[test]
    fn groups_and_spaces_do_not_matter() {
        assert_eq!(
            parse("(auth)->(db->render)").unwrap(),
            parse("auth -> db -> render").unwrap().clone()
        );
        assert_eq!(
            parse("  all( auth ,db )  ").unwrap(),
            Flow::All(vec![visit(0), visit(2)])
        );
    }

    #[test]
    fn expected_visits_and_demand_weigh_picks() {
        let f =
            parse("auth -> all(catalog, pick(0.9: cache, 0.1: db)) -> render -> db(0.5)").unwrap();
        let v = f.expected_visits(6);
        assert_eq!(v, vec![1.0, 1.0, 1.1, 0.9, 1.0, 0.0]);
        let d = f.expected_demand(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let want = [1.0, 2.0, 0.1 * 3.0 + 0.5, 0.9 * 4.0, 5.0, 0.0];
        for (a, b) in d.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{d:?}");
        }
    }

    #[test]
    fn fan_out_is_all_of_every_station() {
        assert_eq!(
            Flow::fan_out(3),
            Flow::All(vec![visit(0), visit(1), visit(2)])
        );
        assert_eq!(Flow::fan_out(1), visit(0));
    }

    #[test]
    fn bad_flows_name_the_column() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "empty"),
            ("auth -> nope", 9, "unknown station `nope`"),
            ("all()", 5, "at least one branch"),
            ("pick(0.5: auth, 0.4: db)", 1, "sum to 0.9"),
            ("pick(1.5: auth)", 6, "not in (0, 1]"),
            ("pick(auth)", 6, "expected a probability"),
            ("auth ->", 8, "found the end"),
            ("auth db", 6, "unexpected `d`"),
            ("(auth", 6, "`)` closing the group"),
            ("cache(0.1)", 1, "batch station"),
            ("db(0)", 4, "not a positive"),
            ("db(x)", 4, "service time"),
            ("all(auth, db", 13, "closing `all(`"),
            ("auth -> -> db", 9, "expected a station"),
        ];
        for (text, column, needle) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {e}");
            assert_eq!(e.column, *column, "{text}: {e}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = format!("{}auth{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!(
            "{}auth{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(parse(&deep).unwrap_err().message.contains("deeper than 64"));
        let very = format!("{}auth{}", "all(".repeat(100_000), ")".repeat(100_000));
        assert!(parse(&very).is_err());
    }

    #[test]
    fn width_is_bounded() {
        let branches = |n: usize| vec!["auth"; n].join(", ");
        let widest = parse(&format!("all({})", branches(MAX_BRANCHES))).unwrap();
        assert!(matches!(widest, Flow::All(b) if b.len() == MAX_BRANCHES));
        let text = format!("all({})", branches(MAX_BRANCHES + 1));
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("more than 100000 branches"), "{e}");
        // At the comma that would add the branch too many.
        assert_eq!(e.column, "all(".len() + MAX_BRANCHES * "auth, ".len() - 1);
        assert_eq!(text.chars().nth(e.column - 1), Some(','));
        let pick = format!(
            "pick({})",
            vec!["0.00001: auth"; MAX_BRANCHES + 1].join(", ")
        );
        assert!(parse(&pick)
            .unwrap_err()
            .message
            .contains("`pick(` has more than"));
    }

    #[test]
    fn a_dash_in_a_name_does_not_eat_the_arrow() {
        let stations = [
            StationRef {
                name: "a-b",
                takes_service: true,
            },
            StationRef {
                name: "c",
                takes_service: true,
            },
        ];
        assert_eq!(
            Flow::parse("a-b->c", &stations).unwrap(),
            Flow::Seq(vec![visit(0), visit(1)])
        );
    }
}
