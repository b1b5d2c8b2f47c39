#!/usr/bin/env python3
"""Reliability figures for RELIABILITY.md (`make reliability`).
usage: reliability.py BIN_DIR ARTIFACTS

1. Faults under load: the five release services under recod, FeedLoad at 16
   calls in flight for 24 s while each service but ABRouter is killed -9 in
   turn (every 4 s); reports every call's status and, per kill, the time from
   the kill until the service's health check answers SERVING again.
2. Load shedding: ABRouter limited to 32 calls in flight; FeedLoad at 32
   (at the limit) and at 64 and 128 (2x and 4x overload): the admitted calls'
   p50/p99, and how many were refused with RESOURCE_EXHAUSTED."""
import json, os, shutil, socket, subprocess, sys, tempfile, threading, time

import grpc

from suite import SERVICES as services, Suite

bin_dir, artifacts = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def serving(port):
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        check = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=lambda b: b, response_deserializer=lambda b: b)
        return check(b"", timeout=0.2) == b"\x08\x01"
    except grpc.RpcError:
        return False
    finally:
        channel.close()


def write_suite(data, ports):
    entries = {name: {"listen": f"127.0.0.1:{ports[name]}"} for name in services}
    json.dump({"data_dir": data, "artifacts": artifacts, "experiments": os.path.abspath("deploy/experiments.json"), "services": entries},
              open(os.path.join(data, "suite.json"), "w"))


def load(port, concurrency, seconds):
    command = [os.path.join(bin_dir, "FeedLoad"), f"127.0.0.1:{port}", "user", str(concurrency), str(seconds)]
    result = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    result["command"] = " ".join(command)
    return result


def faults():
    data = tempfile.mkdtemp(prefix="reliability-")
    ports = dict(zip(services + ["control"], free_ports(6)))
    write_suite(data, ports)
    conf = f"[recod]\nlogfile = {data}/recod.log\ncontrol = 127.0.0.1:{ports['control']}\nhealth_interval = 0.2\nhealth_timeout = 2\n"
    for i, name in enumerate(services):
        conf += f"\n[program:{name}]\ncommand = {bin_dir}/{name} --config {data}/suite.json\nhealth = 127.0.0.1:{ports[name]}\npriority = {i + 1}\nstartsecs = 0.2\nstdout_logfile = {data}/logs/{name}.log\n"
    open(os.path.join(data, "recod.conf"), "w").write(conf)
    recod = subprocess.Popen([os.path.join(bin_dir, "recod"), "--config", os.path.join(data, "recod.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not all(serving(ports[n]) for n in services):
            if time.time() > deadline:
                raise SystemExit("suite did not start")
            time.sleep(0.1)
        result = {}
        runner = threading.Thread(target=lambda: result.update(load(ports["ABRouter"], 16, 24)))
        runner.start()
        back = {}
        for name in ["RecallService", "SortService", "CacheService", "RecoCenter"]:
            time.sleep(4)
            pid = int(subprocess.run(["pgrep", "-f", f"{bin_dir}/{name} "], capture_output=True, text=True).stdout.split()[0])
            killed = time.time()
            os.kill(pid, 9)
            while serving(ports[name]):   # the old process may answer one last time
                time.sleep(0.002)
            while not serving(ports[name]):
                time.sleep(0.005)
            back[name] = time.time() - killed
        runner.join()
        return result, back
    finally:
        recod.terminate()
        recod.wait()
        shutil.rmtree(data, ignore_errors=True)


def shedding():
    with Suite(bin_dir, artifacts, limits={"ABRouter": 32}) as suite:
        load(suite.ports["ABRouter"], 32, 3)   # warm-up
        return [load(suite.ports["ABRouter"], c, 10) for c in (32, 64, 128)]


result, back = faults()
print("## Faults under load\n")
print(f"FeedLoad at 16 in flight for 24 s: {result['calls']:,} calls OK, errors {result['errors'] or 'none'}, p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, max {result['max_ms']:.1f} ms.\n")
print("| killed -9 | SERVING again after |")
print("|---|---:|")
for name, seconds in back.items():
    print(f"| {name} | {seconds * 1000:.0f} ms |")
print(f"\n    {result['command']}\n")
print("## Load shedding (ABRouter max_in_flight 32)\n")
print("| in flight | admitted QPS | admitted p50 ms | admitted p99 ms | refused (RESOURCE_EXHAUSTED) | other errors |")
print("|---:|---:|---:|---:|---:|---|")
for r in shedding():
    errors = dict(r["errors"])
    refused = errors.pop("resourceExhausted", 0)
    print(f"| {r['concurrency']} | {r['qps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {refused:,} | {errors or 'none'} |")
