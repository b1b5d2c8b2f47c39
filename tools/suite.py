"""The five release services as child processes on free loopback ports, in
a data directory of their own: what the benchmark, reliability and soak
tools run against. `with Suite(bin_dir, artifacts) as suite: suite.ports[...]`.
Environment SUITE_STORE: a JSON object used as the configuration's `store`
section (to compare settings, e.g. '{"checkpoint_ms": 100}'; Redis suites set their own)."""
import json, os, shutil, subprocess, tempfile, time

SERVICES = ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"]


def cpu_split(stat_path):
    """(user, system) CPU seconds from a /proc .../stat file (a process's or a thread's)."""
    fields = open(stat_path).read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    return sum(cpu_split(f"/proc/{pid}/stat"))


def cpu_by_thread(suite):
    """Each named thread's CPU seconds so far (user, system), keyed by
    (service, thread name); threads of one name are summed (the services
    name theirs: rpc-loop-N, log <dir>, db <file>, ckpt <file>, ...)."""
    totals = {}
    for name, p in suite.processes.items():
        for task in os.listdir(f"/proc/{p.pid}/task"):
            try:
                thread = open(f"/proc/{p.pid}/task/{task}/comm").read().strip()
                user, system = cpu_split(f"/proc/{p.pid}/task/{task}/stat")
            except FileNotFoundError:  # the thread ended meanwhile
                continue
            known = totals.get((name, thread), (0.0, 0.0))
            totals[(name, thread)] = (known[0] + user, known[1] + system)
    return totals


def cpu_by_process(suite):
    """Each of the suite's processes' CPU seconds so far, by name."""
    return {name: cpu_seconds(p.pid) for name, p in suite.processes.items()}


def cpu_per_request(suite, start, wall, qps):
    """Since `start` (cpu_by_process), each process's CPU microseconds per
    request at `qps` over `wall` seconds, as "name us, ...; sum us"."""
    micros = {name: (cpu_seconds(p.pid) - start[name]) / wall / qps * 1e6 for name, p in suite.processes.items()}
    return ", ".join(f"{name} {us:.0f}" for name, us in micros.items()) + f"; sum {sum(micros.values()):.0f}"


def recod_environment(conf="deploy/recod.conf"):
    """The `[recod] environment` variables of the shipped supervisor
    configuration: the suite runs as `make run` does (e.g. malloc tunables)."""
    import re
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", conf)
    section, pairs = None, {}
    for line in open(here):
        line = line.split(";")[0].split("#")[0].strip()
        if line.startswith("["):
            section = line
        elif section == "[recod]" and line.startswith("environment") and "=" in line:
            for key, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^,]*))', line.split("=", 1)[1]):
                pairs[key] = quoted or bare.strip()
    return pairs


def supports_local_sockets(bin_dir):
    """Whether a build knows `local_socket` (older builds, run for comparison, do not)."""
    return b"local_socket" in open(os.path.join(bin_dir, "RecoCenter"), "rb").read()


class Suite:
    """`local_sockets`: the services call each other over Unix-domain sockets
    in the data directory, as deploy/suite.json sets up (default: when the
    build supports it); False: over loopback TCP."""
    def __init__(self, bin_dir, artifacts, limits=None, redis_url=None, local_sockets=None):
        self.bin_dir, self.artifacts, self.limits = os.path.abspath(bin_dir), os.path.abspath(artifacts), limits or {}
        self.redis_url = redis_url
        self.local_sockets = supports_local_sockets(self.bin_dir) if local_sockets is None else local_sockets
        self.processes, self.ports = {}, {}

    def __enter__(self):
        self.data = tempfile.mkdtemp(prefix="suite-")
        config = os.path.join(self.data, "suite.json")
        services = {name: {"listen": "127.0.0.1:0"} for name in SERVICES}
        for name, limit in self.limits.items():
            services[name]["max_in_flight"] = limit
        if self.local_sockets:
            for name in SERVICES[:-1]:  # ABRouter's callers are outside
                services[name]["local_socket"] = os.path.join(self.data, "run", name + ".sock")
        json.dump({"data_dir": self.data, "artifacts": self.artifacts, "experiments": os.path.abspath("deploy/experiments.json"),
                   "services": services, "store": {"backend": "redis", "redis_url": self.redis_url} if self.redis_url else json.loads(os.environ.get("SUITE_STORE", "{}"))},
                  open(config, "w"))
        try:
            environment = {**os.environ, **recod_environment()}
            for name in SERVICES:
                command = [os.path.join(self.bin_dir, name), "--config", config, "--listen", "127.0.0.1:0"]
                if not self.local_sockets:
                    for other, port in self.ports.items():
                        command += [f"--{other}", f"127.0.0.1:{port}"]
                process = subprocess.Popen(["stdbuf", "-oL"] + command, stdout=subprocess.PIPE, env=environment,
                                           stderr=open(os.path.join(self.data, name + ".log"), "w"), text=True)
                self.processes[name] = process
                self.ports[name] = int(process.stdout.readline().split()[-1])
        except Exception:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_):
        for name in reversed(SERVICES):
            if name in self.processes:
                self.processes[name].terminate()
        for process in self.processes.values():
            process.wait()
        shutil.rmtree(self.data, ignore_errors=True)

    def pid(self, name):
        return self.processes[name].pid


class RedisServer:
    """A throwaway redis-server on a free loopback port and a Unix socket (AOF,
    fsync every second, as docs/REDIS.md recommends): `with RedisServer() as
    redis: redis.url` (TCP) or `redis.socket_url`."""

    def __enter__(self):
        import random, socket
        self.dir = tempfile.mkdtemp(prefix="redis-")
        for _ in range(50):
            self.port = random.randint(20000, 29999)
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    continue
            self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                                             "--unixsocket", os.path.join(self.dir, "redis.sock"), "--unixsocketperm", "700",
                                             "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if self.cli("ping") == "PONG":
                    self.url = f"redis://127.0.0.1:{self.port}/0"
                    self.socket_url = f"unix://{self.dir}/redis.sock?db=0"
                    return self
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
            self.process.kill()
        raise RuntimeError("redis-server did not start")

    def cli(self, *arguments):
        result = subprocess.run(["redis-cli", "-p", str(self.port)] + list(arguments), capture_output=True, text=True)
        return result.stdout.strip()

    def info(self, section):
        fields = {}
        for line in self.cli("info", section).splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value
        return fields

    def __exit__(self, *_):
        self.cli("shutdown", "nosave")
        self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
