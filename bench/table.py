#!/usr/bin/env python3
"""Prints regcenter-bench's JSON as the Markdown results table of docs/benchmarks.md.

usage: bench/table.py RESULTS.json

One row per figure and N: regcenter's median (p99), NATS's median (p99), the ratio of the
medians, and the issue's target for the figure where it has one. Standard library only.
"""
import json
import sys

# figure -> (target text, predicate on (regcenter median, nats median, n)) where the issue sets
# a goal; the predicate gives None where the target is not stated for that N. "met" is
# computed, never typed by hand.
TARGETS = {
    "hold.connect_rate": ("≥ 12k/s", lambda r, n_, n: None if n < 10000 else r >= 12000),
    "hold.rss_per_session": ("≤ 8 KiB", lambda r, n_, n: None if n < 10000 else r <= 8192),
    "hold.idle_cpu": ("≤ 1 % at 19k", lambda r, n_, n: None if n < 19000 else r <= 1.0),
    "fanout.latency": ("≤ 10 ms / ≤ 100 ms",
                       lambda r, n_, n: r <= (10 if n <= 1000 else 100)),
    "fanout.server_cpu_per_master": ("≤ 10 µs", lambda r, n_, n: r <= 10),
    "fanout.rss_per_session_after": ("≤ 10 KiB at 10k",
                                     lambda r, n_, n: None if n < 10000 else r <= 10240),
    "unicast.latency": ("≤ 1.2 × NATS", lambda r, n_, n: n_ > 0 and r <= 1.2 * n_),
    "unicast.rate": ("≥ 0.5 × NATS", lambda r, n_, n: n_ > 0 and r >= 0.5 * n_),
    "stream.throughput": ("≥ 2 GB/s", lambda r, n_, n: None if n != 1 else r >= 2.0),
}


def fmt(value):
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        results = json.load(f)["results"]
    rows = {}
    order = []
    for r in results:
        key = (r["figure"], r["n"])
        if key not in rows:
            rows[key] = {}
            order.append(key)
        rows[key][r["system"]] = r
    print("| figure | N | unit | regcenter median (p99) | NATS median (p99) | regcenter/NATS "
          "| target | met |")
    print("|---|---|---|---|---|---|---|---|")
    for figure, n in order:
        row = rows[(figure, n)]
        ours = row.get("regcenter") or row.get("loopback")
        theirs = row.get("nats")
        ratio = row.get("ratio")
        unit = ours["unit"] if ours else ""
        cell = lambda s: f"{fmt(s['median'])} ({fmt(s['p99'])})" + (
            f" — {s['failed']} failed" if s.get("failed") else "") if s else "—"
        target, met = "", ""
        if figure in TARGETS and ours:
            ok = TARGETS[figure][1](ours["median"], theirs["median"] if theirs else 0, n)
            if ok is not None:
                target = TARGETS[figure][0]
                met = "yes" if ok else "**no**"
        name = figure if ours and "regcenter" in row else f"{figure} (machine)"
        print(f"| `{name}` | {n} | {unit} | {cell(ours)} | {cell(theirs)} | "
              f"{fmt(ratio['median']) if ratio else '—'} | {target} | {met} |")


if __name__ == "__main__":
    main()
