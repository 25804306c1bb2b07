//! The integration tests, as one binary: one link step instead of nine, which is most of a
//! cold `cargo test --release` on two cores. One module per command or behaviour; `common`
//! runs the real binary.

mod architecture;
mod behave_flows_port;
mod behave_oracle;
mod behaviour;
mod behaviour_outputs;
mod behaviour_scenario;
mod behaviour_search;
mod behaviour_search_flows;
mod capacity;
mod common;
mod compare;
mod engine_api;
mod engine_memory;
mod engine_oracle;
mod engine_order;
mod escapes;
mod fit;
mod flow_oracle;
mod flows;
mod inputs;
mod inputs_are_never_outputs;
mod json_fixes;
mod limits;
mod numbers_in_errors;
mod outputs;
mod plot;
mod plot_dashboard;
mod queueing;
mod random;
mod readme;
mod real_inputs;
mod real_inputs_more;
mod replay;
mod run;
mod search;
mod search_fixes;
mod search_props;
mod shards;
mod shards_exact;
mod shards_untrusted;
mod sweep_csv;
