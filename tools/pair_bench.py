#!/usr/bin/env python3
"""Two builds of the five services side by side: both suites run at the
same time on the same cores, each driven by its own FeedLoad (the second
build's) at 32 in flight, so both see the same machine in the same seconds;
on a shared machine whose speed drifts from minute to minute this compares
builds more steadily than runs one after the other (tools/ab_bench.py).
Each suite gets about half the machine, so the absolute figures are about
half of a run alone; read the ratios. Prints, per round and build, QPS, p99,
empty answers and each process's CPU microseconds per user_recommend.
usage: pair_bench.py BEFORE_BIN_DIR AFTER_BIN_DIR [SECONDS] [ROUNDS]"""
import json, os, subprocess, sys, time

from suite import Suite, cpu_by_process, cpu_per_request

before, after = sys.argv[1], sys.argv[2]
seconds = sys.argv[3] if len(sys.argv) > 3 else "15"
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
artifacts = os.path.abspath("data/artifacts")
load = os.path.join(after, "FeedLoad")

for _ in range(rounds):
    with Suite(before, artifacts) as first, Suite(after, artifacts) as second:
        suites = {"before": first, "after": second}
        for suite in suites.values():  # warm-up: connections, page cache
            subprocess.run([load, f"127.0.0.1:{suite.ports['ABRouter']}", "user", "32", "2"], capture_output=True, check=True)
        start = {name: cpu_by_process(suite) for name, suite in suites.items()}
        runs = {name: subprocess.Popen([load, f"127.0.0.1:{suite.ports['ABRouter']}", "user", "32", seconds], stdout=subprocess.PIPE, text=True)
                for name, suite in suites.items()}
        started = time.time()
        results = {name: json.loads(run.communicate()[0]) for name, run in runs.items()}
        wall = time.time() - started
        for name, suite in suites.items():
            result = results[name]
            print(f"{name}: {result['qps']:.0f}/s p99 {result['p99_ms']:.1f} ms, {result['empty_answers']} empty answers of {result['calls']}, "
                  f"errors {sum(result['errors'].values())}; us per request: {cpu_per_request(suite, start[name], wall, result['qps'])}", flush=True)
