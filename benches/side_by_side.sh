#!/usr/bin/env bash
# `cargo bench --bench engine` of two commits, side by side on this machine: what issue 20's
# "no slower than main" is measured with. Run by hand; not part of the tests.
#
# Usage: benches/side_by_side.sh [-r ROUNDS] [-f FILTER] BASE [HEAD]
#   BASE, HEAD: commits (HEAD defaults to this checkout's working tree). Each is built with its
#   own `benches/engine.rs`, in a worktree under $TMPDIR (kept, so a second run builds
#   nothing), and run from its own checkout (the web shop's benches read data/api.toml).
#   -r ROUNDS: rounds (default 10). A round runs each side once, in turn, the order swapped
#   from one round to the next, so that a drift of the machine's speed falls on both alike.
#   -f FILTER: criterion's filter, a regular expression (default: every bench).
#
# What it reports, per bench: each side's fastest iteration of each round (criterion's
# samples, from `sample.json`), the median of those over the rounds, and their ratio paired
# by round, with a 95 % interval (a bootstrap of the rounds' ratios, fixed seed). On a shared
# machine another tenant only ever adds time, so the fastest iteration is the steadiest figure
# of a sample (a round's samples spread by half on the development machine; its fastest by a
# few per cent); the same reasoning as Chen and Revels, "Robust benchmarking in noisy
# environments" (2016). The mean of each side's per-iteration samples (criterion's mean) is
# printed beside it. The verdict is "faster" or "slower" only when the interval leaves out 1,
# else "too close to call"; with fewer than 5 rounds it is "too few rounds".
# Each round's ratio goes to stderr, in round order.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=10
filter=
while getopts r:f: opt; do
    case $opt in
        r) rounds=$OPTARG ;;
        f) filter=$OPTARG ;;
        *) echo "usage: benches/side_by_side.sh [-r ROUNDS] [-f FILTER] BASE [HEAD]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] && [ $# -le 2 ] || {
    echo "usage: benches/side_by_side.sh [-r ROUNDS] [-f FILTER] BASE [HEAD]" >&2
    exit 2
}
case $rounds in '' | *[!0-9]* | 0) echo "side_by_side.sh: -r wants a positive number of rounds, not '$rounds'" >&2; exit 2 ;; esac
here=$(pwd)
work=${TMPDIR:-/tmp}/planner-side-by-side
mkdir -p "$work"

# Prints the checkout to run a side from: the working tree, or a worktree of the commit.
checkout() { # COMMIT
    local sha
    sha=$(git rev-parse --verify --quiet "$1^{commit}") ||
        { echo "side_by_side.sh: no commit '$1'" >&2; exit 2; }
    local dir=$work/$sha
    if [ ! -d "$dir" ]; then
        git worktree prune
        git worktree add --detach "$dir" "$sha" >/dev/null 2>&1 ||
            { echo "side_by_side.sh: could not check out $1 in $dir" >&2; exit 2; }
    fi
    echo "$dir"
}

base_dir=$(checkout "$1")
if [ $# -eq 2 ]; then head_dir=$(checkout "$2"); else head_dir=$here; fi
echo "building $1 in $base_dir" >&2
base_bin=$(benches/engine_binary.sh "$base_dir")
echo "building ${2:-the working tree} in $head_dir" >&2
head_bin=$(benches/engine_binary.sh "$head_dir")
[ -n "$base_bin" ] && [ -n "$head_bin" ] || { echo "side_by_side.sh: a build failed" >&2; exit 1; }

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
run() { # SIDE ROUND
    local dir bin
    if [ "$1" = base ]; then dir=$base_dir bin=$base_bin; else dir=$head_dir bin=$head_bin; fi
    # Criterion writes its samples under $CARGO_TARGET_DIR/criterion: one directory a run.
    (cd "$dir" && CARGO_TARGET_DIR="$results/$1/$2" "$bin" --bench --warm-up-time 1 \
        --measurement-time 3 ${filter:+"$filter"} >"$results/$1-$2.log" 2>&1) || {
        echo "side_by_side.sh: the $1 bench failed in round $2; its last lines:" >&2
        tail -n 5 "$results/$1-$2.log" >&2
        exit 1
    }
}
for r in $(seq 1 "$rounds"); do
    echo "round $r of $rounds" >&2
    if [ $((r % 2)) -eq 1 ]; then run base "$r"; run head "$r"; else run head "$r"; run base "$r"; fi
done

python3 - "$results" "$rounds" "$1" "${2:-working tree}" <<'EOF'
import json, os, random, statistics, sys
results, rounds, base_name, head_name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def samples(side, r):
    """{bench: (fastest, mean) seconds per iteration} of one run."""
    out, root = {}, os.path.join(results, side, str(r), "criterion")
    for dirpath, _, files in os.walk(root):
        if "sample.json" in files and os.path.basename(dirpath) == "new":
            s = json.load(open(os.path.join(dirpath, "sample.json")))
            per = [t / i for t, i in zip(s["times"], s["iters"])]
            bench = os.path.relpath(os.path.dirname(dirpath), root)
            out[bench] = (min(per) * 1e-9, sum(per) / len(per) * 1e-9)
    return out

runs = {side: [samples(side, r) for r in range(1, rounds + 1)] for side in ("base", "head")}
benches = sorted(set().union(*(set(run) for run in runs["base"])))

def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.4g} {unit}"
    return f"{seconds:.3g} s"

rng = random.Random(20)
print(f"base: {base_name}   head: {head_name}   {rounds} rounds, fastest iteration of each")
print(f"{'bench':34} {'base':>10} {'head':>10} {'head/base':>9} {'95 % interval':>15}  verdict   (criterion's means: base, head)")
for bench in benches:
    pairs = [(b[bench], h[bench]) for b, h in zip(runs["base"], runs["head"]) if bench in b and bench in h]
    if not pairs:
        continue
    ratios = [h[0] / b[0] for b, h in pairs]
    boot = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(4000))
    low, high = boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
    if len(ratios) < 5:
        verdict = "too few rounds"
    else:
        verdict = "faster" if high < 1 else "slower" if low > 1 else "too close to call"
    base_fast = statistics.median(b[0] for b, _ in pairs)
    head_fast = statistics.median(h[0] for _, h in pairs)
    base_mean = statistics.median(b[1] for b, _ in pairs)
    head_mean = statistics.median(h[1] for _, h in pairs)
    print(f"{bench:34} {fmt(base_fast):>10} {fmt(head_fast):>10} {statistics.median(ratios):9.3f} "
          f"{f'[{low:.3f}, {high:.3f}]':>15}  {verdict:17} ({fmt(base_mean)}, {fmt(head_mean)})")
    # Each round's ratio, to stderr: a few rounds the host slowed show there at once.
    print(f"{bench}: rounds' ratios " + " ".join(f"{r:.3f}" for r in ratios), file=sys.stderr)
EOF
