"""The scale-out profile on one machine: PostgreSQL, Redis, the action server, N Rasa replicas and nginx, on loopback.

`make cluster REPLICAS=2` (scripts/cluster) runs it in the foreground: Ctrl-C or SIGTERM stops everything it started,
the proxy first and the databases last. The benchmarks and tests/scale use the same `Cluster`, with their own ports.
Every child runs in its own session (the terminal's Ctrl-C reaches only this process, which stops them in order) and
gets SIGTERM if this process dies.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.cluster_config import nginx_conf, redis_conf
from bot.model import rasa_environment
from bot.serve import credentials_yaml, endpoints_yaml
from bot.settings import ROOT, load_settings

logger = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ClusterConfig:
    """What to start, where. `database_url`/`redis_url` None: start our own PostgreSQL/Redis under `work`."""

    model: Path
    work: Path
    replicas: int = 2
    port: int = 5005
    replica_ports: list[int] | None = None  # default: port + 96, + 97, ... (5101, 5102, ...)
    actions_port: int = 5055
    postgres_port: int = 5433
    redis_port: int = 6380
    database_url: str | None = None
    redis_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    dotenv: Path | None = None
    endpoints: str | None = None  # endpoints.yml text instead of Rafiq's (the stock benchmark bot)
    credentials: str | None = None
    actions: bool = True
    proxy: bool = True

    def __post_init__(self) -> None:
        if self.replica_ports is None:
            self.replica_ports = [self.port + 96 + i for i in range(self.replicas)]
        self.replicas = len(self.replica_ports)


class Cluster:
    """Start the processes in order, check each is ready, and stop them in reverse order."""

    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.logs = config.work / "logs"
        self.database_url = config.database_url or ""
        self.redis_url = config.redis_url or ""
        self.env: dict[str, str] = {}

    @property
    def ports(self) -> list[int]:
        """The replicas' ports."""
        return list(self.config.replica_ports or [])

    @property
    def url(self) -> str:
        """The proxy's base URL (or the first replica's without a proxy)."""
        return f"http://127.0.0.1:{self.config.port if self.config.proxy else self.ports[0]}"

    def replica_urls(self) -> list[str]:
        """Each replica's own base URL."""
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None,
               stdout: int | None = None) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=env or self.env or None, stdin=subprocess.DEVNULL,
                                   stdout=stdout if stdout is not None else log, stderr=log,
                                   start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        self.processes[name] = process
        return process

    def start(self) -> Cluster:
        """Start everything and return once the proxy answers (raises, after stopping what started, on failure)."""
        config = self.config
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            if not self.database_url:
                self.database_url = self._start_postgres()
            if not self.redis_url:
                self.redis_url = self._start_redis()
            self.env = {**rasa_environment(), "SANIC_HOST": "127.0.0.1", **config.env,
                        "RAFIQ_DATABASE_URL": self.database_url, "RAFIQ_REDIS_URL": self.redis_url}
            self._run([sys.executable, "-m", "channels.schema", self.database_url], "schema")
            endpoints = config.work / "endpoints.yml"
            endpoints.write_text(config.endpoints or endpoints_yaml(config.actions_port, self.database_url,
                                                                    self.redis_url), encoding="utf-8")
            endpoints.chmod(0o600)
            credentials = config.work / "credentials.yml"
            credentials.write_text(config.credentials or credentials_yaml(
                load_settings(self.env, dotenv=config.dotenv)), encoding="utf-8")
            if config.actions:
                self._spawn("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                        "--port", str(config.actions_port)])
            for i, port in enumerate(self.ports, 1):
                self._spawn(f"rasa-{i}", [sys.executable, "-m", "rasa", "run", "--model", str(config.model),
                                          "--endpoints", str(endpoints), "--credentials", str(credentials),
                                          "--interface", "127.0.0.1", "--port", str(port)])
            for i, url in enumerate(self.replica_urls(), 1):
                self._wait_http(url + "/", f"rasa-{i}", 240)
            if config.proxy:
                self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, command: list[str], name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            subprocess.run(command, cwd=ROOT, env=self.env, stdout=log, stderr=log, check=True, timeout=120)

    def _start_postgres(self) -> str:
        """scripts/postgres in the foreground (data under work/postgres): its first line on stdout is its URL."""
        process = self._spawn("postgres", ["bash", str(ROOT / "scripts" / "postgres"), "--dir",
                                           str(self.config.work / "postgres"), "--port",
                                           str(self.config.postgres_port)], env=dict(os.environ),
                              stdout=subprocess.PIPE)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 90)
        line = process.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("postgresql://"):
            raise RuntimeError(f"PostgreSQL did not start: {self._tail('postgres')}")
        return line

    def _start_redis(self) -> str:
        """redis-server with our configuration (loopback, no persistence), data directory under work/redis."""
        binary = _installed("redis-server", "/usr/bin/redis-server", "scripts/redis-deps")
        directory = self.config.work / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "redis.conf").write_text(redis_conf(self.config.redis_port, directory), encoding="utf-8")
        self._spawn("redis", [binary, str(directory / "redis.conf")], env=dict(os.environ))
        url = f"redis://127.0.0.1:{self.config.redis_port}/0"
        deadline = time.monotonic() + 20
        while "Ready to accept connections" not in self._tail("redis"):
            if time.monotonic() > deadline or self.processes["redis"].poll() is not None:
                raise RuntimeError(f"Redis did not start: {self._tail('redis')}")
            time.sleep(0.05)
        return url

    def _start_nginx(self) -> None:
        """nginx in the foreground with our configuration under work/nginx."""
        binary = _installed("nginx", "/usr/sbin/nginx", "scripts/nginx-deps")
        directory = self.config.work / "nginx"
        (directory / "tmp").mkdir(parents=True, exist_ok=True)
        upstreams = [f"127.0.0.1:{port}" for port in self.ports]
        conf = directory / "nginx.conf"
        conf.write_text(nginx_conf(directory, f"127.0.0.1:{self.config.port}", upstreams), encoding="utf-8")
        self._spawn("nginx", [binary, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")],
                    env=dict(os.environ))
        self._wait_http(self.url + "/", "nginx", 20)

    def _wait_http(self, url: str, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline or self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} did not start: {self._tail(name)}") from None
                time.sleep(0.5)

    def _tail(self, name: str, chars: int = 2000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def kill(self, name: str) -> None:
        """SIGKILL one process (tests: a replica dying without any chance to clean up)."""
        process = self.processes[name]
        process.kill()
        process.wait()

    def exited(self) -> list[str]:
        """The names of the processes that stopped by themselves."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM in reverse start order (proxy, replicas, action server, Redis, PostgreSQL), SIGKILL if stuck."""
        for name in reversed(list(self.processes)):
            process = self.processes[name]
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    logger.warning("%s did not stop in %.0f s: killed", name, timeout)
                    process.kill()
                    process.wait()
        self.processes.clear()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.cluster --replicas 2`: train if needed, start the cluster, wait for Ctrl-C or SIGTERM."""
    from bot.model import train

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=5005)
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be at least 1")
    settings = load_settings()
    postgres = settings.database_url if settings.database_url.startswith("postgresql") else None
    model = train(Path(settings.model_dir))
    config = ClusterConfig(model=model, work=ROOT / "var" / "cluster", replicas=args.replicas, port=args.port,
                           database_url=postgres, redis_url=settings.redis_url)
    cluster = Cluster(config)

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    code = 0
    try:
        print(f"cluster: starting {args.replicas} replica(s); logs in {cluster.logs}", file=sys.stderr)
        cluster.start()
        print(f"Rafiq cluster: web chat at {cluster.url}/chat, {args.replicas} replica(s) on "
              f"{', '.join(cluster.replica_urls())}  (Ctrl-C stops)", file=sys.stderr)
        while not cluster.exited():
            time.sleep(0.5)
        print(f"cluster: {', '.join(cluster.exited())} stopped by itself; stopping the rest", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
        print("cluster: stopped", file=sys.stderr)
    return code


def _installed(name: str, debian_path: str, installer: str) -> str:
    """The path of a program from Debian's packages, or a RuntimeError saying which script installs it."""
    binary = shutil.which(name) or debian_path
    if not Path(binary).exists():
        raise RuntimeError(f"{name} not found: run {installer}")
    return binary


if __name__ == "__main__":
    sys.exit(main())

