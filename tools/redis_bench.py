#!/usr/bin/env python3
"""`make bench`, docs/SCALING.md: user_recommend at 32 in flight on Redis
(reached over loopback TCP, then over its Unix socket) and on the embedded
store; CPU by process; Redis commands per request.
usage: redis_bench.py BIN_DIR ARTIFACTS [SECONDS]"""
import json, os, subprocess, sys, time

from suite import RedisServer, Suite, cpu_seconds

bin_dir, artifacts = sys.argv[1], os.path.abspath(sys.argv[2])
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20


def load(port, duration):
    command = [os.path.join(bin_dir, "FeedLoad"), f"127.0.0.1:{port}", "user", "32", str(duration)]
    result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    result["command"] = " ".join(command)
    return result


def commandstats(redis):
    return {key[len("cmdstat_"):]: int(value.split("calls=")[1].split(",")[0])
            for key, value in redis.info("commandstats").items() if key.startswith("cmdstat_")}


def measure(redis, url=None):
    with Suite(bin_dir, artifacts, redis_url=url) as suite:
        pids = {name: p.pid for name, p in suite.processes.items()}
        if redis:
            pids["redis-server"] = redis.process.pid
        load(suite.ports["ABRouter"], 2)
        before_cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
        before_commands = commandstats(redis) if redis else {}
        started = time.time()
        result = load(suite.ports["ABRouter"], seconds)
        wall = time.time() - started
        result["cpu"] = {name: (cpu_seconds(pid) - before_cpu[name]) / wall for name, pid in pids.items()}
        if redis:
            after = commandstats(redis)
            calls = result["qps"] * seconds
            result["per_call"] = {name: (after[name] - before_commands.get(name, 0)) / calls for name in after
                                  if after[name] > before_commands.get(name, 0)}
        return result


with RedisServer() as redis:
    on_redis = measure(redis, redis.url)
with RedisServer() as redis:
    on_socket = measure(redis, redis.socket_url)
embedded = measure(None)

print("| store | QPS | p50 ms | p99 ms | errors | CPU (cores) by process |")
print("|---|---|---|---|---|---|")
for name, r in [("redis (TCP)", on_redis), ("redis (Unix socket)", on_socket), ("sqlite (embedded)", embedded)]:
    cpu = ", ".join(f"{n} {c:.2f}" for n, c in r["cpu"].items())
    print(f"| {name} | {r['qps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {sum(r['errors'].values())} | {cpu} |")
print()
print(f"Redis / embedded throughput: {on_redis['qps'] / embedded['qps']:.2f}x over TCP, {on_socket['qps'] / embedded['qps']:.2f}x over the Unix socket")
print()
total = sum(on_redis["per_call"].values())
print(f"Redis commands per user_recommend: {total:.2f} in all; " +
      ", ".join(f"{n} {c:.2f}" for n, c in sorted(on_redis["per_call"].items(), key=lambda kv: -kv[1])))
print()
print(f"    {on_redis['command']}")
