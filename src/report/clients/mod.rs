//! Reports of clients with rules (`run --patience/--retries`, `run --users`): the table, the
//! JSON document, the CSV rows, the picture and the trace, from what the engine recorded.
//! The open loop (clients due at times, who give up and retry) and the closed loop (users
//! who think between requests) read differently, so each has its report.

mod classes;
mod closed;
mod open;

pub use classes::OpenClass;
pub(crate) use closed::schema as closed_schema;
pub use closed::{ClosedReport, ClosedRun};
pub(crate) use open::schema as open_schema;
pub use open::{OpenReport, OpenRun};
