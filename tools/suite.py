"""The five release services as child processes on free loopback ports, in
a data directory of their own: what the benchmark, reliability and soak
tools run against. `with Suite(bin_dir, artifacts) as suite: suite.ports[...]`."""
import json, os, shutil, subprocess, tempfile

SERVICES = ["RecallService", "SortService", "CacheService", "RecoCenter", "ABRouter"]


class Suite:
    def __init__(self, bin_dir, artifacts, limits=None):
        self.bin_dir, self.artifacts, self.limits = os.path.abspath(bin_dir), os.path.abspath(artifacts), limits or {}
        self.processes, self.ports = {}, {}

    def __enter__(self):
        self.data = tempfile.mkdtemp(prefix="suite-")
        config = os.path.join(self.data, "suite.json")
        json.dump({"data_dir": self.data, "artifacts": self.artifacts, "experiments": os.path.abspath("deploy/experiments.json"),
                   "services": {name: {"listen": "127.0.0.1:0", "max_in_flight": limit} for name, limit in self.limits.items()}},
                  open(config, "w"))
        try:
            for name in SERVICES:
                command = [os.path.join(self.bin_dir, name), "--config", config, "--listen", "127.0.0.1:0"]
                for other, port in self.ports.items():
                    command += [f"--{other}", f"127.0.0.1:{port}"]
                process = subprocess.Popen(["stdbuf", "-oL"] + command, stdout=subprocess.PIPE,
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
