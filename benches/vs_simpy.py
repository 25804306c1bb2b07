"""The benchmark's configuration in SimPy 4.1, for `benches/vs_simpy.sh`.

The same model as planner's (docs/model.md): soda pool of 2 units (1 s), burger pool of 6 (3 s),
fries batch of 8 portions (4 s) cooked under a FIFO lock; client i due at i * period; every
order visits the three stations at once. Prints the summary planner prints, so that the two
can be checked against each other:

    satisfied S/N p50 P p95 Q max M
"""

import math
import sys

import simpy


def simulate(clients, period, timeout=5.0):
    env = simpy.Environment()
    soda = simpy.Resource(env, capacity=2)
    burger = simpy.Resource(env, capacity=6)
    fryer = simpy.Resource(env, capacity=1)
    shelf = [0]
    latency = [0.0] * clients

    def pool(resource, service):
        with resource.request() as unit:
            yield unit
            yield env.timeout(service)

    def fries():
        with fryer.request() as lock:
            yield lock
            if shelf[0] == 0:
                yield env.timeout(4.0)
                shelf[0] = 8
            shelf[0] -= 1

    def order(i, due):
        yield env.all_of(
            [env.process(pool(soda, 1.0)), env.process(pool(burger, 3.0)), env.process(fries())]
        )
        latency[i] = env.now - due

    def driver():
        for i in range(clients):
            due = i * period
            if due > env.now:
                yield env.timeout(due - env.now)
            env.process(order(i, due))

    env.process(driver())
    env.run()
    ranked = sorted(latency)

    def pct(p):
        # Nearest rank, as planner's statistics.
        return ranked[min(clients, max(1, math.ceil(p / 100 * clients))) - 1]

    satisfied = sum(1 for l in latency if l < timeout)
    return satisfied, pct(50), pct(95), ranked[-1]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    period = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    s, p50, p95, mx = simulate(n, period)
    print(f"satisfied {s}/{n} p50 {p50:.3f} p95 {p95:.3f} max {mx:.3f}")
