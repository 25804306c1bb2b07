//! Station kinds, and everything that depends on the kind, in one place.
//!
//! A kind decides which lever a station has, how a lever value becomes sustained capacity,
//! what the engine runs, what one unit is called and how a change reads. Each is an explicit
//! `match` with no default arm: a new kind does not compile until every one of these says
//! what it means for it, instead of silently borrowing another kind's arithmetic.

/// How a station serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationKind {
    /// `units` identical servers; a request waits (FIFO) for one and holds it for a service.
    Pool,
    /// A cache refilled `batch` portions at a time by whoever finds it empty (the fryer).
    Batch,
}

impl StationKind {
    /// The one parameter a lever turns on this kind of station: `soda.units`, `fries.batch`.
    pub fn param(self) -> &'static str {
        match self {
            StationKind::Pool => "units",
            StationKind::Batch => "batch",
        }
    }

    /// What one unit is called when the scenario does not say.
    pub fn default_unit(self) -> &'static str {
        match self {
            StationKind::Pool => "unit",
            StationKind::Batch => "portion",
        }
    }

    /// Requests per second this station sustains at lever `value`, when each request costs
    /// it `seconds` of service on average (visits × mean service time).
    ///
    /// A pool of `value` servers completes `value / seconds` requests per second when all are
    /// busy. A batch station cooks `value` portions per batch of `seconds` (its batch time
    /// per portion taken, times the portions a request takes): `value / seconds` again, but
    /// for another reason, and a new kind must give its own.
    pub fn capacity(self, value: u32, seconds: f64) -> f64 {
        match self {
            StationKind::Pool => value as f64 / seconds,
            StationKind::Batch => value as f64 / seconds,
        }
    }

    /// The engine's form of this kind at lever `value`.
    pub fn engine(self, value: u32) -> crate::model::plan::Kind {
        match self {
            StationKind::Pool => crate::model::plan::Kind::Pool { units: value },
            StationKind::Batch => crate::model::plan::Kind::Batch { portions: value },
        }
    }

    /// A lever change in words: "+2 cooks" for a pool, "7-portion fryer" for a batch
    /// station (its size is what it is, not a count of things added).
    pub fn change_words(self, value: u32, base: u32, names: &Names<'_>) -> String {
        match self {
            StationKind::Pool => {
                let diff = value as i64 - base as i64;
                let noun = if diff.abs() == 1 {
                    names.unit
                } else {
                    names.units
                };
                format!("{diff:+} {noun}")
            }
            StationKind::Batch => format!("{value}-{} {}", names.unit, names.device),
        }
    }

    /// Why a lever must reach `needed` to keep up: "each cook serves one request per 3 s",
    /// "8 portions per 4 s batch"; with flows, a request's `demand` seconds of work over its
    /// expected `visits`.
    pub fn need_words(
        self,
        needed: u64,
        service: f64,
        demand: f64,
        visits: f64,
        names: &Names<'_>,
    ) -> String {
        match self {
            StationKind::Pool if visits == 1.0 => {
                format!("each {} serves one request per {demand} s", names.unit)
            }
            StationKind::Pool => {
                format!("each {} serves {demand} s of work per request", names.unit)
            }
            StationKind::Batch if visits == 1.0 => {
                format!("{needed} {} per {service} s batch", names.units)
            }
            StationKind::Batch => format!(
                "{needed} {} per {service} s batch, {visits} per request",
                names.units
            ),
        }
    }
}

/// What a station's things are called, for reports.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    /// One unit: "cook", "portion".
    pub unit: &'a str,
    /// Several: "cooks", "portions".
    pub units: &'a str,
    /// A batch station's device: "fryer".
    pub device: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOKS: Names<'static> = Names {
        unit: "cook",
        units: "cooks",
        device: "kitchen",
    };
    const FRIES: Names<'static> = Names {
        unit: "portion",
        units: "portions",
        device: "fryer",
    };

    #[test]
    fn each_kind_speaks_for_itself() {
        assert_eq!(StationKind::Pool.param(), "units");
        assert_eq!(StationKind::Batch.param(), "batch");
        assert_eq!(StationKind::Pool.capacity(5, 3.0), 5.0 / 3.0);
        assert_eq!(StationKind::Batch.capacity(7, 4.0), 1.75);
        assert_eq!(StationKind::Pool.change_words(5, 3, &COOKS), "+2 cooks");
        assert_eq!(StationKind::Pool.change_words(2, 3, &COOKS), "-1 cook");
        assert_eq!(
            StationKind::Batch.change_words(7, 5, &FRIES),
            "7-portion fryer"
        );
        assert_eq!(
            StationKind::Batch.need_words(8, 4.0, 0.5, 1.0, &FRIES),
            "8 portions per 4 s batch"
        );
        assert_eq!(
            StationKind::Pool.need_words(6, 3.0, 3.0, 1.0, &COOKS),
            "each cook serves one request per 3 s"
        );
        assert_eq!(
            StationKind::Pool.engine(3),
            crate::model::plan::Kind::Pool { units: 3 }
        );
    }
}
