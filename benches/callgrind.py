"""Callgrind's output, read for the bench scripts: one parser of the format, the summaries
that instructions.sh and footprint.sh print.

Usage:
  callgrind.py unit BENCH                  the function one iteration of BENCH calls once
  callgrind.py instructions OUT FUNCTION   an iteration's instructions
  callgrind.py footprint OUT FUNCTION      its instructions, I1 misses and hot code

An iteration is counted by the calls of FUNCTION: the one `unit` names, or $UNIT when set
(69f68d1's assessment, inlined away, was counted by `planner::engine::run::Model<R>::new`).
"""

import collections
import os
import re
import sys

def unit(bench):
    """The function one iteration of `bench` calls once ($UNIT when set)."""
    if bench == "sweep_config":
        default = "planner::loadtest::assess::assess"
    elif bench.startswith(("load_test/", "web_shop/")):
        default = "planner::engine::simulate"
    else:
        print(f"no bench '{bench}' (sweep_config, load_test/N or web_shop/N)", file=sys.stderr)
        sys.exit(2)
    return os.environ.get("UNIT", default)


def records(path):
    """Yields (fn, callee, calls, position, costs) for each cost line of a callgrind file:
    `callee` and `calls` are None on a line of `fn`'s own cost, else the line is the
    inclusive cost of those calls. `position` is the first position column (an
    instruction's address with `--dump-instr=yes`), relative forms resolved; `costs` is by
    event name."""
    names, events, npos = {}, [], 1
    fn = callee = calls = None
    last = 0

    def name(s):
        m = re.match(r"\((\d+)\)(?: (.*))?", s)
        if not m:
            return s
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), "?")

    def position(tok):
        if tok.startswith("0x"):
            return int(tok, 16)
        if tok == "*":
            return last
        if tok[0] in "+-":
            digits = tok[1:]
            step = int(digits, 16) if digits.startswith("0x") else int(digits)
            return last + step if tok[0] == "+" else last - step
        return int(tok)

    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("positions:"):
            npos = len(line.split()) - 1
        elif line.startswith("fn="):
            fn = name(line[3:])
        elif line.startswith("cfn="):
            callee = name(line[4:])
        elif line.startswith("calls="):
            calls = int(line[6:].split()[0])
        elif line and line[0] in "0123456789+-*":
            tokens = line.split()
            last = position(tokens[0])
            costs = dict(zip(events, (int(v) for v in tokens[npos:])))
            if calls is not None:
                yield fn, callee, calls, last, costs
                calls = None
            else:
                yield fn, None, None, last, costs


def instructions(path, of):
    """Instructions inside criterion's `Bencher::iter`, an iteration."""
    inside = units = 0
    for _, callee, calls, _, costs in records(path):
        if callee is None:
            continue
        if callee.startswith("criterion::bencher::Bencher") and callee.endswith("::iter"):
            inside += costs.get("Ir", 0)
        if callee == of:
            units += calls
    print(f"{inside / units:,.0f}" if units else "no call of " + of)


def footprint(path, of):
    """Instructions, first-level instruction misses and hot code, an iteration; then the
    functions with the most hot code."""
    units = 0
    ir = collections.Counter()  # instructions per 64-byte line
    per_fn = collections.defaultdict(set)
    totals = collections.Counter()
    for fn, callee, calls, at, costs in records(path):
        if callee is not None:  # inclusive: counted where it is spent
            units += calls if callee == of else 0
            continue
        totals.update(costs)
        if costs.get("Ir", 0) > 0:
            ir[at // 64] += costs["Ir"]
            per_fn[fn].add(at // 64)
    if not units:
        sys.exit(f"no call of {of}")
    hot = {line for line, n in ir.items() if n >= units / 2}
    print(f"instructions       {totals['Ir'] / units:,.0f} an iteration")
    print(f"I1 misses          {totals['I1mr'] / units:,.0f} an iteration")
    print(f"hot code           {len(hot) * 64 / 1024:.1f} KiB")
    rows = sorted(((len(lines & hot) * 64, f) for f, lines in per_fn.items()), reverse=True)
    for size, f in rows[:12]:
        if size:
            print(f"  {size:6,} B  {f}")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["unit", bench]:
            print(unit(bench))
        case ["instructions", path, function]:
            instructions(path, function)
        case ["footprint", path, function]:
            footprint(path, function)
        case _:
            print(__doc__, file=sys.stderr)
            sys.exit(2)
