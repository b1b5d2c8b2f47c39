#!/usr/bin/env python3
"""Service benchmark for `make bench`: the five release services on the
published ML-100K artifacts, in a fresh data directory, driven by FeedLoad
(our load client on our transport: random users and channels, strictly
increasing timestamps, so every user_recommend is a real refresh) at a fixed
number of calls in flight. Reports QPS, p50/p99, errors, and each service's
RSS and share of CPU during the run, as Markdown, then the first row's
CPU microseconds per call by service and thread. An empty answer is a
refresh whose channel had nothing left to recommend to that user (cheap
to serve): its share is reported beside the QPS. The same load also goes to
the peer, tools/reference_feed.py (the flow as one Python grpcio process
serves it), right after ours and, for user_recommend, for as many calls as
ours took; the ratio of the two is printed.
usage: feed_bench.py BIN_DIR ARTIFACTS [SECONDS]"""
import json, os, shutil, subprocess, sys, tempfile, time

from suite import Suite, cpu_by_thread, cpu_seconds

bin_dir, artifacts = sys.argv[1], os.path.abspath(sys.argv[2])
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def load(port, mode, concurrency, duration, calls=0):
    command = [os.path.join(bin_dir, "FeedLoad"), f"127.0.0.1:{port}", mode, str(concurrency), str(duration)]
    if calls:  # FeedLoad's defaults, then the call budget
        command += ["943", "19", "1682", "0", str(calls)]
    result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    result["command"] = " ".join(command)
    return result


def calls_made(result):
    """Every call FeedLoad made, answered or failed: what a server was given."""
    return result["calls"] + sum(result["errors"].values())


def measure(mode, concurrency):
    with Suite(bin_dir, artifacts) as suite:
        processes, ports = suite.processes, suite.ports
        warmup = load(ports["ABRouter"], mode, concurrency, 2)  # warm-up: connections, page cache
        before = {name: cpu_seconds(p.pid) for name, p in processes.items()}
        threads_before = cpu_by_thread(suite)
        started = time.time()
        result = load(ports["ABRouter"], mode, concurrency, seconds)
        wall = time.time() - started
        result["services"] = {name: {"cpu": (cpu_seconds(p.pid) - before[name]) / wall, "rss_mib": rss_mib(p.pid)} for name, p in processes.items()}
        calls = result["qps"] * wall
        result["threads"] = {key: tuple((b - a) / calls * 1e6 for a, b in zip(threads_before.get(key, (0.0, 0.0)), after))
                             for key, after in cpu_by_thread(suite).items()}
        result["warmup_calls"] = calls_made(warmup)
        return result


def realtime():
    """Ingestion through report_stream, then click-to-recommendation freshness, on one suite."""
    with Suite(bin_dir, artifacts) as suite:
        ports = suite.ports
        tool = os.path.join(bin_dir, "BehaviorLoad")
        ingest_cmd = [tool, "ingest", f"127.0.0.1:{ports['ABRouter']}", "4", "100000"]
        ingest = json.loads(subprocess.run(ingest_cmd, capture_output=True, text=True, check=True).stdout)
        # Nothing lost: every acknowledged event is in the log.
        logged = count_log_records(os.path.join(suite.data, "events"))
        fresh_cmd = [tool, "freshness", f"127.0.0.1:{ports['ABRouter']}", f"127.0.0.1:{ports['RecallService']}", f"127.0.0.1:{ports['SortService']}", "200"]
        fresh = json.loads(subprocess.run(fresh_cmd, capture_output=True, text=True, check=True).stdout)
        return ingest, logged, fresh, " ".join(ingest_cmd), " ".join(fresh_cmd)


def count_log_records(directory):
    import struct
    count = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".log"):  # segments only (not the writer's LOCK)
            continue
        data = open(os.path.join(directory, name), "rb").read()
        at = 0
        while at + 8 <= len(data):
            length = struct.unpack_from("<I", data, at)[0]
            if at + 8 + length > len(data):
                break
            count += 1
            at += 8 + length
    return count


def measure_reference(mode, concurrency, ours):
    """The same load against the Python peer on the same artifacts, in a fresh data directory.
    A feed takes as many calls as ours took, warm-up and run: random pairs, so
    the same share of them have run out of recall (empty answers are cheap)."""
    data = tempfile.mkdtemp(prefix="reference-")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    peer = subprocess.Popen([sys.executable, os.path.join(root, "tools", "reference_feed.py"), os.path.join(artifacts, "current"),
                             os.path.join(root, "deploy", "experiments.json"), data], stdout=subprocess.PIPE, text=True)
    try:
        port = int(peer.stdout.readline().split()[-1])
        same = mode == "user"
        load(port, mode, concurrency, 60 if same else 2, ours["warmup_calls"] if same else 0)
        before, started = cpu_seconds(peer.pid), time.time()
        result = load(port, mode, concurrency, 20 * seconds if same else seconds, calls_made(ours) if same else 0)
        result["services"] = {"reference": {"cpu": (cpu_seconds(peer.pid) - before) / (time.time() - started), "rss_mib": rss_mib(peer.pid)}}
        return result
    finally:
        peer.terminate()
        peer.wait()
        shutil.rmtree(data, ignore_errors=True)


def row(name, mode, concurrency, r):
    cpu = ", ".join(f"{n} {s['cpu']:.2f}" for n, s in r["services"].items())
    rss = ", ".join(f"{n} {s['rss_mib']:.0f}" for n, s in r["services"].items())
    empty = f"{100 * r['empty_answers'] / max(r['calls'], 1):.0f}%" if mode == "user" else "-"
    print(f"| {name} | {mode}_recommend | {concurrency} | {r['qps']:.0f} | {empty} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {sum(r['errors'].values())} {r['errors'] or ''} | {cpu} | {rss} |", flush=True)


print(f"| server | call | in flight | QPS | empty answers | p50 ms | p99 ms | errors | CPU (cores) by process | RSS MiB by process |")
print("|---|---|---|---|---|---|---|---|---|---|")
commands, ratios = [], []
for mode, concurrency in [("user", 32), ("user", 1), ("article", 32)]:
    r = measure(mode, concurrency)
    row("five services", mode, concurrency, r)
    commands.append(r["command"])
    if (mode, concurrency) == ("user", 32):
        by_thread = r["threads"]
    if concurrency == 32:
        reference = measure_reference(mode, concurrency, r)
        row("Python reference", mode, concurrency, reference)
        ratios.append(f"{mode}_recommend at {concurrency} in flight: {r['qps'] / reference['qps']:.1f}x the reference's calls/s, "
                      f"p99 {r['p99_ms']:.2f} vs {reference['p99_ms']:.2f} ms")
print()
for ratio in ratios:
    print(f"- {ratio}")
print()
for c in commands:
    print(f"    {c}")
print(f"    python3 tools/reference_feed.py {os.path.join(sys.argv[2], 'current')} deploy/experiments.json DATA_DIR   (then FeedLoad as above)")

# Where the first row's CPU went, thread by thread: the services name their
# threads, so an event loop, a log writer or a SQLite writer shows by itself.
print()
print("| service | thread | CPU us per user_recommend (user + system) | of which system |")
print("|---|---|---:|---:|")
for (service, thread), (user, system) in sorted(by_thread.items(), key=lambda item: -sum(item[1])):
    if user + system >= 0.5:
        print(f"| {service} | {thread} | {user + system:.1f} | {system:.1f} |")
print(f"| all | | {sum(u + s for u, s in by_thread.values()):.1f} | {sum(s for _, s in by_thread.values()):.1f} |")

ingest, logged, fresh, ingest_cmd, fresh_cmd = realtime()
print()
print("| real-time loop | figure |")
print("|---|---|")
print(f"| report_stream, 4 streams x 100,000 events | {ingest['events_per_second']:,.0f} events/s acknowledged; {ingest['accepted']:,} accepted, {logged:,} in the log |")
print(f"| click -> online recall reflects it | p50 {fresh['online_p50_ms']:.1f} ms, p99 {fresh['online_p99_ms']:.1f} ms |")
print(f"| click -> SortService score reflects it | p50 {fresh['features_p50_ms']:.1f} ms, p99 {fresh['features_p99_ms']:.1f} ms |")
print(f"| click -> both (the next user_recommend is fresh) | p50 {fresh['both_p50_ms']:.1f} ms, p99 {fresh['both_p99_ms']:.1f} ms, max {fresh['both_max_ms']:.1f} ms over {fresh['trials']} trials |")
print()
print(f"    {ingest_cmd}")
print(f"    {fresh_cmd}")
