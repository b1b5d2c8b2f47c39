#!/usr/bin/env python3
"""Two builds of the five services, measured alternately on the same machine
in the same minutes: user_recommend at 32 in flight (every call a refresh),
each suite fresh, driven by the same load client (the second build's FeedLoad).
Prints QPS, p50/p99 and each process's CPU microseconds per request, per run.
usage: ab_bench.py BEFORE_BIN_DIR AFTER_BIN_DIR [ROUNDS] [SECONDS]"""
import json, os, subprocess, sys, time

from suite import Suite, cpu_by_process, cpu_per_request

before, after = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
seconds = sys.argv[4] if len(sys.argv) > 4 else "15"
artifacts = os.path.abspath("data/artifacts")
load = os.path.join(after, "FeedLoad")

for _ in range(rounds):
    for name, bin_dir in [("before", before), ("after", after)]:
        with Suite(bin_dir, artifacts) as suite:
            port = suite.ports["ABRouter"]
            subprocess.run([load, f"127.0.0.1:{port}", "user", "32", "2"], capture_output=True, check=True)  # warm-up
            start_cpu = cpu_by_process(suite)
            started = time.time()
            result = json.loads(subprocess.run([load, f"127.0.0.1:{port}", "user", "32", seconds],
                                               capture_output=True, text=True, check=True).stdout)
            wall = time.time() - started
            print(f"{name}: {result['qps']:.0f}/s p50 {result['p50_ms']:.2f} ms p99 {result['p99_ms']:.2f} ms "
                  f"errors {sum(result['errors'].values())}; us per request: {cpu_per_request(suite, start_cpu, wall, result['qps'])}", flush=True)
