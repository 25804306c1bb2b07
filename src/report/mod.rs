//! Everything a user reads: human tables, CSV rows, JSON documents, and the atomic file
//! writes behind them. Reports know how to show results, not how they were computed.

pub mod capacity;
pub mod compare;
pub mod fit;
pub mod json;
pub mod load_plot;
pub mod output;
pub mod plot;
pub mod run;
pub mod search;
pub mod table;
