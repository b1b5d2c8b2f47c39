#!/usr/bin/env python3
"""`make soak`: the five release services at half their measured maximum
user_recommend rate for MINUTES minutes (10 by default). Every minute: each
service's RSS and open file descriptors, and that minute's p99. Pass: RSS
grows under 5% from the first minute to the last, descriptors do not grow,
and every minute's p99 stays within 20% of the first minute's.
usage: soak.py BIN_DIR ARTIFACTS [MINUTES]"""
import json, os, shutil, subprocess, sys, tempfile

bin_dir, artifacts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
minutes = int(sys.argv[3]) if len(sys.argv) > 3 else 10
services = ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"]
data = tempfile.mkdtemp(prefix="soak-")
json.dump({"data_dir": data, "artifacts": artifacts, "experiments": os.path.abspath("deploy/experiments.json")}, open(f"{data}/suite.json", "w"))


def rss_kib(pid):
    return next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def load(port, seconds, rate=0):
    command = [f"{bin_dir}/FeedLoad", f"127.0.0.1:{port}", "user", "32", str(seconds), "943", "19", "1682", str(rate)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout), " ".join(command)


processes, ports = {}, {}
try:
    for name in services:
        command = [f"{bin_dir}/{name}", "--config", f"{data}/suite.json", "--listen", "127.0.0.1:0"]
        for other, port in ports.items():
            command += [f"--{other}", f"127.0.0.1:{port}"]
        process = subprocess.Popen(["stdbuf", "-oL"] + command, stdout=subprocess.PIPE, stderr=open(f"{data}/{name}.log", "w"), text=True)
        ports[name] = int(process.stdout.readline().split()[-1])
        processes[name] = process
    router = ports["ABRouter"]
    peak, _ = load(router, 10)
    rate = int(peak["qps"] / 2)
    print(f"peak {peak['qps']:.0f} user_recommend/s at 32 in flight; soaking at {rate}/s for {minutes} min\n")
    print("| minute | calls | errors | p99 ms | RSS MiB (Recall, Sort, Cache, RecoCenter, ABRouter) | open fds (same order) |")
    print("|---:|---:|---:|---:|---|---|")
    rows = []
    for minute in range(1, minutes + 1):
        result, command = load(router, 60, rate)
        rss = [rss_kib(processes[n].pid) for n in services]
        fd = [fds(processes[n].pid) for n in services]
        rows.append((result, rss, fd))
        print(f"| {minute} | {result['calls']:,} | {sum(result['errors'].values())} | {result['p99_ms']:.2f} | "
              f"{', '.join(f'{r / 1024:.0f}' for r in rss)} | {', '.join(map(str, fd))} |", flush=True)
    first, last = rows[0], rows[-1]
    growth = max((l - f) / f for f, l in zip(first[1], last[1]))
    fd_growth = max(l - f for f, l in zip(first[2], last[2]))
    p99_drift = max(abs(r[0]["p99_ms"] - first[0]["p99_ms"]) / first[0]["p99_ms"] for r in rows)
    errors = sum(sum(r[0]["errors"].values()) for r in rows)
    ok = growth < 0.05 and fd_growth <= 0 and p99_drift <= 0.20 and errors == 0
    print(f"\nlargest RSS growth {growth * 100:.1f}% (bound 5%), descriptors {fd_growth:+d}, largest p99 change {p99_drift * 100:.1f}% (bound 20%), "
          f"errors {errors}: {'PASS' if ok else 'FAIL'}")
    print(f"\n    {command}")
    sys.exit(0 if ok else 1)
finally:
    for name in reversed(services):
        processes[name].terminate()
    for process in processes.values():
        process.wait()
    shutil.rmtree(data, ignore_errors=True)
