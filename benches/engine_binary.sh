#!/usr/bin/env bash
# Builds the engine bench of the checkout DIR (default: this one) without running it, and
# prints its binary's path: what instructions.sh and side_by_side.sh run. Cargo's progress
# and errors go to stderr; nothing is printed when the build fails.
#
# Usage: benches/engine_binary.sh [DIR]
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
cargo bench --locked --bench engine --no-run --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "engine" and m.get("executable"):
        print(m["executable"])'
