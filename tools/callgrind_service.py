#!/usr/bin/env python3
"""Where one service's user_recommend instructions go: starts the suite,
then a second instance of SERVICE under valgrind --tool=callgrind (its own
data directory) wired to the suite, and fresh instances of every service
that calls it, pointed at it; FeedLoad drives the chain at 32 in flight.
Prints user-space instructions per request by category. Startup is included,
amortized over the run's requests.
usage: callgrind_service.py SERVICE [SECONDS]   (RecoCenter, CacheService, ABRouter, ...)"""
import collections, json, os, re, subprocess, sys, tempfile

from suite import Suite, recod_environment

CALLERS = {"ABRouter": [], "RecoCenter": ["ABRouter"], "CacheService": ["RecoCenter", "ABRouter"],
           "RecallService": ["RecoCenter", "ABRouter"], "SortService": ["RecoCenter", "ABRouter"]}
CATEGORIES = [
    ("reference counting", r"swift_retain|swift_release|RefCounts|bridgeObject|unownedRetain"),
    ("allocation and freeing", r"malloc|_int_free|cfree|\bfree\b|unlink_chunk|swift_allocObject|swift_slowAlloc|swift_dealloc|"
                               r"deallocClassInstance|deallocObject|StackAllocator|task_alloc|task_dealloc|arrayDestroy|StorageCfD|memalign"),
    ("nghttp2 (frames, HPACK)", r"libnghttp2"),
    ("SQLite", r"libsqlite3"),
    ("exclusivity checks", r"AccessSet|swift_beginAccess|swift_endAccess"),
    ("Swift concurrency", r"libswift_Concurrency"),
    ("strings, hashing, copies", r"String|Hasher|memcpy|memmove|memcmp|_allASCII|validateUTF8|UTF8"),
    ("proto3 codec (ours)", r"Sources/Wire|Sources/Messages"),
]

service = sys.argv[1]
seconds = sys.argv[2] if len(sys.argv) > 2 else "20"
bin_dir = os.path.abspath(".build/release")
out_file = os.path.join(tempfile.mkdtemp(prefix="callgrind-"), f"callgrind.{service}")

with Suite(bin_dir, "data/artifacts") as suite:
    config = json.load(open(os.path.join(suite.data, "suite.json")))
    config["data_dir"] = tempfile.mkdtemp(prefix="callgrind-data-")  # a database of its own
    config_path = os.path.join(config["data_dir"], "suite.json")
    if suite.local_sockets:
        # The new instances listen on sockets of their own; the rest of the suite is reached on its sockets.
        for name in [service] + CALLERS[service]:
            if "local_socket" in config["services"][name]:
                config["services"][name]["local_socket"] = os.path.join(config["data_dir"], "run", name + ".sock")
    json.dump(config, open(config_path, "w"))
    ports, extra = dict(suite.ports), []

    def start(name, under_valgrind=False):
        flags = [] if suite.local_sockets else [x for n, p in ports.items() if n != name for x in (f"--{n}", f"127.0.0.1:{p}")]
        command = [os.path.join(bin_dir, name), "--config", config_path, "--listen", "127.0.0.1:0"] + flags
        if under_valgrind:
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + command
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                   env={**os.environ, **recod_environment()})  # as the suite's other processes
        ports[name] = int(process.stdout.readline().split()[-1])
        return process

    measured = start(service, under_valgrind=True)
    extra = [start(caller) for caller in CALLERS[service]]
    result = json.loads(subprocess.run([os.path.join(bin_dir, "FeedLoad"), f"127.0.0.1:{ports['ABRouter']}", "user", "32", seconds],
                                       capture_output=True, text=True, check=True).stdout)
    for process in extra + [measured]:
        process.terminate()
        process.wait()

annotated = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", out_file], capture_output=True, text=True).stdout
counts, total = collections.Counter(), 0
for line in annotated.splitlines():
    match = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
    if not match or "PROGRAM TOTALS" in line:
        continue
    n = int(match.group(1).replace(",", ""))
    total += n
    name = next((name for name, pattern in CATEGORIES if re.search(pattern, match.group(2))), "the rest: our RPC layer, handlers, libc")
    counts[name] += n
calls = result["calls"]
print(f"{service}: {calls} requests at {result['qps']:.0f}/s under callgrind; {total / calls:,.0f} instructions per request ({out_file})")
for name, n in counts.most_common():
    print(f"  {100 * n / total:4.1f}%  {n / calls:9,.0f}  {name}")
