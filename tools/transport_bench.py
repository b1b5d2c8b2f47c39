#!/usr/bin/env python3
"""Transport benchmark for `make bench`: h2load against our EchoServer and the
grpc-swift-2 peer in the same run, on Health/Check and a 4 KiB echo, at
-c 16 -m 8 and -c 1 -m 1. Prints a Markdown table with the exact commands.

h2load counts any HTTP 200 as success, so before measuring, every server and
method is called once with grpcio and its grpc-status checked."""
import os, statistics, subprocess, sys, tempfile, time

import grpc

ours, peer = sys.argv[1], sys.argv[2]
requests = int(os.environ.get("BENCH_REQUESTS", "200000"))
tmp = tempfile.mkdtemp()

def framed(message: bytes) -> bytes:
    return b"\x00" + len(message).to_bytes(4, "big") + message

health_body = os.path.join(tmp, "health.bin")
open(health_body, "wb").write(framed(b""))
payload = bytes(range(256)) * 16                    # 4 KiB
echo_message = b"\x0a" + bytes([0x80, 0x20]) + payload  # Blob{data: 4096 bytes}
echo_body = os.path.join(tmp, "echo4k.bin")
open(echo_body, "wb").write(framed(echo_message))

def start(command):
    process = subprocess.Popen(["stdbuf", "-oL"] + command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    port = int(line.strip().rsplit(":", 1)[-1].split()[-1])
    return process, port

def check(port):
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    raw = lambda path: channel.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    assert raw("/grpc.health.v1.Health/Check")(b"", timeout=5) == b"\x08\x01"
    assert raw("/bench.Echo/Echo")(echo_message, timeout=5) == echo_message
    channel.close()

def h2load(port, path, body, clients, streams, n):
    log = os.path.join(tmp, "h2load.log")
    if os.path.exists(log):
        os.remove(log)   # h2load appends
    command = ["h2load", "-n", str(n), "-c", str(clients), "-m", str(streams),
               "-H", "content-type: application/grpc", "-H", "te: trailers",
               "-d", body, "--log-file", log, f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(output.split(" req/s")[0].rsplit(",", 1)[-1].strip())
    ok = int(output.split(" succeeded")[0].rsplit(",", 1)[-1].strip())
    latencies = sorted(int(line.split()[2]) for line in open(log) if line.strip())
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000.0
    shown = " ".join(c if " " not in c else f"'{c}'" for c in command if c not in ("--log-file", log))
    return {"rps": rps, "ok": ok, "p50": p(0.50), "p99": p(0.99), "command": shown}

servers = {
    "ours (1 loop)": [ours, "0", "1"],
    "ours (2 loops)": [ours, "0", "2"],
    "grpc-swift-2": [peer, "0"],
}
cases = [
    ("Health/Check", "/grpc.health.v1.Health/Check", health_body, 16, 8, requests),
    ("Health/Check", "/grpc.health.v1.Health/Check", health_body, 1, 1, requests // 10),
    ("echo 4 KiB", "/bench.Echo/Echo", echo_body, 16, 8, requests // 2),
    ("echo 4 KiB", "/bench.Echo/Echo", echo_body, 1, 1, requests // 10),
]
results = {}
for name, command in servers.items():
    process, port = start(command)
    try:
        check(port)
        for case in cases:
            label, path, body, c, m, n = case
            h2load(port, path, body, c, m, max(n // 10, 1000))   # warm-up
            results[(name, case)] = h2load(port, path, body, c, m, n)
            assert results[(name, case)]["ok"] == n, f"{name} {label}: only {results[(name, case)]['ok']} of {n} succeeded"
    finally:
        process.terminate()
        process.wait()

print("| case | server | req/s | p50 ms | p99 ms | req/s vs grpc-swift-2 |")
print("|---|---|---:|---:|---:|---:|")
for case in cases:
    label, _, _, c, m, _ = case
    base = results[("grpc-swift-2", case)]["rps"]
    for name in servers:
        r = results[(name, case)]
        print(f"| {label} -c {c} -m {m} | {name} | {r['rps']:,.0f} | {r['p50']:.3f} | {r['p99']:.3f} | {r['rps'] / base:.2f}x |")
print()
print("Commands (port varies per run):")
for case in cases:
    print(f"- `{results[('grpc-swift-2', case)]['command']}`")
