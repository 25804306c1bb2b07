//! The event log behind `--trace`: what the seed's prints show, with virtual timestamps.

use serde::Serialize;

/// One thing that happened, at a step, to a client (and a station).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Steps since the load test started.
    pub at: u64,
    /// 0-based client index.
    pub client: u32,
    /// Index in scenario order; None for events of the whole order (`Ordered`, `Served`).
    pub station: Option<u16>,
    /// Which step of the order this is.
    pub kind: EventKind,
}

/// What an [`Event`] records, in the order an order meets them; snake_case when serialised
/// (`service_started`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The client placed its order (its due time).
    Ordered,
    /// A pool unit started serving the client.
    ServiceStarted,
    /// The client found the batch station empty and started a batch, holding the lock.
    BatchStarted,
    /// The batch this client started is ready.
    BatchReady,
    /// The station is done with the client.
    StationDone,
    /// Every station is done: the order is served.
    Served,
}
