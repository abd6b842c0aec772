#!/usr/bin/env python3
"""The latency floor of an ideal queue, for reading a load curve.

An open-loop step offers Poisson arrivals at rate λ to a machine whose measured capacity is C requests/s on
c CPUs: with the server and the load generator sharing the CPUs, each request costs the machine c / C
CPU-seconds on average, however the server schedules it. A request's latency is its own time (at best the
unloaded latency L0, measured) plus the time it waits while the CPUs work on the requests ahead of it. No
scheduler waits less than an ideal queue with that capacity: deterministic service, no overhead, no
scheduling delay, FIFO — either c servers each taking c / C per request (M/D/c) or the c CPUs pooled into one
server taking 1 / C (M/D/1); the floor takes the smaller wait of the two. So

    floor(p) = L0 + min(wait_p of M/D/c, wait_p of M/D/1)

and a latency goal below the floor cannot be met at that offered load on this machine, only with more CPUs
or a cheaper request. (It assumes a request costs no less than its share at capacity, which batching makes
true: batches are largest, and a text cheapest, at capacity.)

Usage: queue_floor.py CAPACITY_RPS CPUS UNLOADED_MS PERCENT [PERCENT ...]   (floor p50/p95/p99 in ms)
       queue_floor.py --self-test                                       (the simulation vs the closed form)
"""
import heapq
import random
import sys

QUANTILES = (0.50, 0.95, 0.99)


def md_c_waits(arrival_rate, service_s, servers, arrivals=200_000, seed=20261206):
    """The sorted waiting times (seconds) of an M/D/c FIFO queue, by simulation (fixed seed)."""
    rng = random.Random(seed)
    free_at = [0.0] * servers
    now = 0.0
    waits = []
    for _ in range(arrivals):
        now += rng.expovariate(arrival_rate)
        start = max(now, heapq.heappop(free_at))
        heapq.heappush(free_at, start + service_s)
        waits.append(start - now)
    waits.sort()
    return waits


def md_c_wait(arrival_rate, service_s, servers):
    """p50, p95, p99 of the waiting time (seconds) in an M/D/c FIFO queue."""
    waits = md_c_waits(arrival_rate, service_s, servers)
    return tuple(waits[int(q * len(waits))] for q in QUANTILES)


def self_test():
    """The simulation against the closed form it must match: M/D/1's mean wait (Pollaczek-Khinchine)
    ρD / (2(1 - ρ)), and no wait at all for a queue that never overlaps."""
    for rho in (0.3, 0.7, 0.9):
        waits = md_c_waits(rho / 0.002, 0.002, 1, arrivals=400_000)
        expected = rho * 0.002 / (2 * (1 - rho))
        mean = sum(waits) / len(waits)
        assert abs(mean - expected) / expected < 0.05, f"M/D/1 at {rho}: mean wait {mean} vs {expected}"
    assert md_c_wait(1.0, 0.001, 2) == (0.0, 0.0, 0.0), "a queue whose requests never overlap has no wait"
    print("queue_floor: simulation matches Pollaczek-Khinchine (M/D/1 mean wait within 5 % at ρ = 0.3, 0.7, 0.9)")


def floor_ms(capacity_rps, cpus, unloaded_ms, percent):
    """The floor (p50, p95, p99 in ms) at `percent` of `capacity_rps` on `cpus` CPUs, unloaded latency given."""
    rate = capacity_rps * percent / 100
    separate = md_c_wait(rate, cpus / capacity_rps, cpus)
    pooled = md_c_wait(rate, 1 / capacity_rps, 1)
    return tuple(unloaded_ms + 1000 * min(a, b) for a, b in zip(separate, pooled))


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        sys.exit(0)
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    capacity, cpus, unloaded = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    print(f"capacity {capacity:g} req/s on {cpus} CPUs ({1000 * cpus / capacity:.2f} CPU-ms per request), "
          f"unloaded latency {unloaded:g} ms")
    for pct in sys.argv[4:]:
        p50, p95, p99 = floor_ms(capacity, cpus, unloaded, float(pct))
        print(f"{float(pct):g}% of capacity: floor p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms")
