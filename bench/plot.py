#!/usr/bin/env python3
"""Draws the benchmark plots of docs/benchmarks.md from regcenter-bench's JSON with gnuplot.

usage: bench/plot.py RESULTS.json OUTPUT_DIR

Writes fanout-latency.png (median fan-out latency against N) and memory-per-session.png
(server memory per session against N: idle, and after 30 fan-outs), regcenter beside NATS.
Only the Python standard library and gnuplot (Debian: gnuplot-nox) are needed.
"""
import json
import os
import subprocess
import sys
import tempfile

# One colour per system, so both of a system's lines read as one.
REGCENTER = "lw 2 pt 7 lc rgb '#1f6fb4'"
NATS = "lw 2 pt 5 lc rgb '#c0392b'"


def series(results, figure, system):
    """(n, median, p99) rows of one figure and system, sorted by n."""
    rows = [(r["n"], r["median"], r.get("p99", r["median"]))
            for r in results if r["figure"] == figure and r["system"] == system]
    return sorted(rows)


def write_data(directory, name, rows):
    path = os.path.join(directory, name + ".dat")
    with open(path, "w") as f:
        for n, median, p99 in rows:
            f.write(f"{n} {median} {p99}\n")
    return path


def plot(out_png, title, ylabel, lines, logscale_y=False):
    """lines: (data file, title, style) tuples."""
    plots = ", ".join(f"'{path}' using 1:2 with linespoints {style} title '{label}'"
                      for path, label, style in lines)
    script = f"""
set terminal pngcairo size 900,540 font ',11'
set output '{out_png}'
set title '{title}'
set xlabel 'N (masters)'
set ylabel '{ylabel}'
set logscale x
{'set logscale y' if logscale_y else ''}
set grid
set key top left
plot {plots}
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        results = json.load(f)["results"]
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        latency = []
        for system, style in (("regcenter", REGCENTER), ("nats", NATS)):
            rows = series(results, "fanout.latency", system)
            if rows:
                latency.append((write_data(tmp, "fanout-" + system, rows),
                                f"{system}, median", style))
        drawn = []
        if latency:
            plot(os.path.join(out, "fanout-latency.png"),
                 "Fan-out: one action to N masters until every result is back",
                 "milliseconds", latency, logscale_y=True)
            drawn.append("fanout-latency.png")
        else:
            print("plot.py: no fanout.latency figures; fanout-latency.png not drawn",
                  file=sys.stderr)

        memory = []
        for system, style in (("regcenter", REGCENTER), ("nats", NATS)):
            idle = [(n, m / 1024, p / 1024)
                    for n, m, p in series(results, "hold.rss_per_session", system)]
            after = [(n, m / 1024, p / 1024)
                     for n, m, p in series(results, "fanout.rss_per_session_after", system)]
            if idle:
                memory.append((write_data(tmp, "idle-" + system, idle),
                               f"{system}, idle", style))
            if after:
                memory.append((write_data(tmp, "after-" + system, after),
                               f"{system}, after 30 fan-outs", style + " dt 3"))
        if memory:
            plot(os.path.join(out, "memory-per-session.png"),
                 "Server memory (RSS) per session", "KiB per session", memory)
            drawn.append("memory-per-session.png")
    if not drawn:
        sys.exit("plot.py: nothing to plot in " + sys.argv[1])
    for name in drawn:
        path = os.path.join(out, name)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            sys.exit("plot.py: gnuplot drew nothing into " + path)
        print(path)


if __name__ == "__main__":
    main()
