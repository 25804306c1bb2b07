//! Everything a user reads: human tables, CSV rows, JSON documents, and the atomic file
//! writes behind them. Reports know how to show results, not how they were computed.

pub mod capacity;
pub mod classes;
pub mod clients;
pub mod compare;
pub mod csv;
pub mod fit;
pub mod format;
pub mod html;
pub mod json;
pub mod output;
pub mod over_time;
pub mod plot;
pub mod policy;
pub mod printable;
pub mod render;
pub mod run;
pub mod run_pictures;
pub mod schema;
pub mod search;
pub mod table;
pub mod units;
pub mod unreachable;
pub mod windows;

pub use printable::printable;
pub use render::{ExportError, Format, Render};
