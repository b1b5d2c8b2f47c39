#!/usr/bin/env python3
"""`make soak`: the five release services at half their measured maximum
user_recommend rate for MINUTES minutes (10 by default). Every minute: each
service's RSS and open file descriptors, and that minute's p99. Pass: RSS
grows under 5% from the first minute to the last, descriptors do not grow,
and no minute's p99 is more than 20% above the first minute's.
usage: soak.py BIN_DIR ARTIFACTS [MINUTES]"""
import json, os, subprocess, sys

from suite import SERVICES as services, Suite

bin_dir, artifacts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
minutes = int(sys.argv[3]) if len(sys.argv) > 3 else 10


def rss_kib(pid):
    return next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def load(port, seconds, rate=0):
    command = [f"{bin_dir}/FeedLoad", f"127.0.0.1:{port}", "user", "32", str(seconds), "943", "19", "1682", str(rate)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout), " ".join(command)


with Suite(bin_dir, artifacts) as suite:
    router = suite.ports["ABRouter"]
    peak, _ = load(router, 10)
    rate = int(peak["qps"] / 2)
    print(f"peak {peak['qps']:.0f} user_recommend/s at 32 in flight; soaking at {rate}/s for {minutes} min\n")
    print("| minute | calls | errors | p99 ms | RSS MiB (Recall, Sort, Cache, RecoCenter, ABRouter) | open fds (same order) |")
    print("|---:|---:|---:|---:|---|---|")
    rows = []
    for minute in range(1, minutes + 1):
        result, command = load(router, 60, rate)
        rss = [rss_kib(suite.pid(n)) for n in services]
        fd = [fds(suite.pid(n)) for n in services]
        rows.append((result, rss, fd))
        print(f"| {minute} | {result['calls']:,} | {sum(result['errors'].values())} | {result['p99_ms']:.2f} | "
              f"{', '.join(f'{r / 1024:.0f}' for r in rss)} | {', '.join(map(str, fd))} |", flush=True)
    first, last = rows[0], rows[-1]
    growth = max((l - f) / f for f, l in zip(first[1], last[1]))
    fd_growth = max(l - f for f, l in zip(first[2], last[2]))
    # Within 20% of the first minute: growth is what matters (a faster minute is no failure).
    p99_drift = max((r[0]["p99_ms"] - first[0]["p99_ms"]) / first[0]["p99_ms"] for r in rows)
    errors = sum(sum(r[0]["errors"].values()) for r in rows)
    ok = growth < 0.05 and fd_growth <= 0 and p99_drift <= 0.20 and errors == 0
    print(f"\nlargest RSS growth {growth * 100:.1f}% (bound 5%), descriptors {fd_growth:+d}, largest p99 rise {p99_drift * 100:+.1f}% (bound 20%), "
          f"errors {errors}: {'PASS' if ok else 'FAIL'}")
    print(f"\n    {command}")
    sys.exit(0 if ok else 1)
