//! `optimize --sustained` when nothing in the space can keep up: its report in every format.

use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use schemars::JsonSchema;
use serde::Serialize;

use super::csv::csv_header;
use super::html::{parts, Doc, Page};
use crate::report::format::trim_float;
use crate::search::Study;

/// `optimize --sustained` when no lever's range can keep up with the rate: nothing is
/// load-tested, and the report says which values would be needed.
pub struct Unreachable<'a> {
    /// What was asked: the model's name heads the report, the page states its prices (a
    /// flag's, when one changed them).
    pub study: &'a Study<'a>,
    /// The rate no configuration sustains, in clients per second.
    pub rate: f64,
    /// "fries.batch ≥ 8 (…)", one per lever that falls short.
    pub missing: Vec<String>,
    /// Whether the test draws at random: its CSV header then has the `verdict` column.
    pub random: bool,
}

#[derive(Serialize, JsonSchema)]
struct JsonUnreachable<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    sustained: bool,
    found: bool,
    rate: f64,
    unreachable: &'a [String],
}

impl Render for Unreachable<'_> {
    /// One line: the rate and, for each short lever, the value it would need.
    fn table(&self) -> String {
        format!(
            "{}: no configuration in the space sustains {} clients/s; it would take {}\n",
            self.study.model.name(),
            trim_float(self.rate),
            self.missing.join(", and ")
        )
    }

    /// `found: false` with the levers that fall short, so a script can tell this case apart.
    fn json(&self) -> String {
        let doc = JsonUnreachable {
            schema_version: SchemaVersion,
            scenario: self.study.model.name(),
            sustained: true,
            found: false,
            rate: self.rate,
            unreachable: &self.missing,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// The search CSV's header and no row: nothing was load-tested.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(csv_header(self.study.model, self.random))?;
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    fn svg(&self) -> Result<String, ExportError> {
        Err(ExportError::Nothing {
            format: "plot",
            why: "no configuration in the space keeps up, so none was load-tested",
        })
    }

    /// The question and why there is no answer: each lever's value that would be needed.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        let rate = trim_float(self.rate);
        let mut doc = Doc::new(
            "optimize",
            &format!(
                "{}: the cheapest configuration that sustains {rate} clients/s",
                self.study.model.name()
            ),
        );
        doc.fact("Load", &format!("{rate} clients/s, for good (--sustained)"));
        parts::standard_facts(
            &mut doc,
            self.study.model,
            &self.study.prices,
            None,
            None,
            page,
        );
        doc.section("answer", "The answer");
        doc.headline(
            "fails",
            "No answer:",
            &format!("no configuration in the space sustains {rate} clients/s"),
            ", so none was load-tested.",
        );
        doc.text("It would take:");
        doc.list(&self.missing);
        parts::reproduce(&mut doc, page);
        Ok(doc.finish())
    }
}

/// The schema of `optimize --sustained --format json` when no configuration can sustain the rate.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<JsonUnreachable<'static>>("planner optimize, rate out of reach")
}
