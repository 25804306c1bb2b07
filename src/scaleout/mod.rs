//! A study cut into shards for other machines, and merged back exactly.

pub mod merge;
pub mod shard;
