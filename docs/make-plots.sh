#!/usr/bin/env bash
# Regenerates the example pictures shown in README.md and docs/*.md.
set -euo pipefail
cd "$(dirname "$0")/.."
planner() { cargo run --quiet --release -- "$@"; }
planner compare --timeout 5 --rates 0.5..=3:0.25 --plot docs/compare.svg > /dev/null
planner sweep --target-rate 2 --timeout 5 --plot docs/sweep.svg > /dev/null
planner run --period 0.5 --plot docs/timeline.svg > /dev/null
planner run --clients 2000 --rate 1.6 --set soda.units=2 --set burger.units=6 --set fries.batch=8 \
    --arrivals poisson --plot docs/dashboard.svg > /dev/null
planner --scenario data/morning.toml run --set db.units=3 --plot docs/morning.svg > /dev/null
planner run --rate 0.9 --stage 60s:0.9 --stage 1s:1.35 --stage 30s:1.35 --stage 1s:0.9 --stage 200s:0.9 \
    --patience 5 --retries 3 --backoff 1 --plot docs/storm.svg > /dev/null
planner --scenario data/day.toml run --replications 1 --plot docs/day.svg > /dev/null
