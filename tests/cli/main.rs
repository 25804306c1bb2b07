//! The integration tests, as one binary: one link step instead of nine, which is most of a
//! cold `cargo test --release` on two cores. One module per command or concern; `common`
//! runs the real binary.

mod architecture;
mod autoscale_oracle;
mod capacity;
mod client_rules;
mod client_rules_oracle;
mod client_rules_outputs;
mod client_rules_over_flows;
mod client_rules_search;
mod client_rules_search_flows;
mod closed_loop_scenario;
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
mod limits;
mod machine_formats;
mod numbers_in_errors;
mod outputs;
mod over_time;
mod plot;
mod plot_dashboard;
mod queueing;
mod random;
mod readme;
mod real_inputs;
mod replay;
mod run;
mod search;
mod search_props;
mod search_ranking;
mod shards;
mod shards_exact;
mod shards_untrusted;
mod sweep_csv;
mod units_and_objectives;
