"""Throughput of stock Rasa and of Rafiq with one and two replicas, in one run, printed as one table.

Stock Rasa with two replicas is measured too: on a machine whose cores the load generator, nginx and PostgreSQL
share with the replicas, it shows how far a second replica can go at all.

All three behind the same nginx configuration, with the SQL tracker store on one PostgreSQL server and a lock store
on one Redis server (all on loopback, started here): stock Rasa (bench/stock/: the same featurizers and classifier
as Rafiq, stock components only, rules answering with domain responses, Rasa's own RedisLockStore), then Rafiq
(its action server and channels, channels/lock_store.py) with 1 and 2 replicas. The load is bench/load.py.

    .venv/bin/python -m bench.scale [--conversations 16] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine
from bench.load import HEADER, Result, run_load
from bot.cluster import Cluster, ClusterConfig
from bot.model import rasa_environment, train
from bot.settings import ROOT

STOCK = ROOT / "bench" / "stock"
WARMUP = 8.0  # seconds of load before each measurement (not counted)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stock_model(out: Path = ROOT / "var" / "bench" / "stock-models") -> Path:
    """The stock bot's model, trained when bench/stock/ changed."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(STOCK.rglob("*.yml")))).hexdigest()[:12]
    model = out / f"stock-{digest}.tar.gz"
    if not model.exists():
        print("training the stock bot...", file=sys.stderr)
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "rasa", "train", "--config", str(STOCK / "config.yml"), "--domain",
                        str(STOCK / "domain.yml"), "--data", str(STOCK / "data"), "--out", str(out),
                        "--fixed-model-name", model.name.removesuffix(".tar.gz")],
                       cwd=ROOT, env=rasa_environment(), check=True, stdout=sys.stderr)
    return model


def stock_endpoints(database_url: str, redis_url: str) -> str:
    """endpoints.yml of the stock bot: the SQL tracker store and Rasa's own Redis lock store."""
    from sqlalchemy.engine import make_url

    db, redis = make_url(database_url), make_url(redis_url)
    return yaml.safe_dump({
        "tracker_store": {"type": "SQL", "dialect": "postgresql", "url": db.host, "port": db.port, "db": db.database,
                          "username": db.username},
        "lock_store": {"type": "redis", "url": redis.host, "port": redis.port, "db": 0, "key_prefix": "stock"}})


def fresh_database(server_url: str, name: str) -> str:
    """A new empty database on the benchmark's PostgreSQL server (each configuration starts from nothing)."""
    import sqlalchemy as sa

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(sa.engine.make_url(server_url).set(database=name))


def cpu_seconds(roots: list[int]) -> float:
    """CPU time used so far by these processes and all their descendants (their reaped children included)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime
    tree, frontier = set(roots), list(roots)
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(children)
        frontier = children
    return sum(times.get(pid, 0.0) for pid in tree)


def own_cpu() -> float:
    """CPU time of this process (the load generator)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(config: ClusterConfig, base: Cluster, conversations: int, seconds: float) -> tuple[Result, float]:
    """Start one configuration, warm it up, load it through its proxy, stop it: the result and the CPU time
    (servers, databases, proxy and load generator together) per answered message."""
    with Cluster(config) as cluster:
        asyncio.run(run_load(cluster.url, conversations, WARMUP, warmup=0))
        roots = [p.pid for p in [*cluster.processes.values(), *base.processes.values()]]
        before = cpu_seconds(roots) + own_cpu()
        result = asyncio.run(run_load(cluster.url, conversations, seconds, warmup=0))
        used = cpu_seconds(roots) + own_cpu() - before
    return result, used / max(1, len(result.latencies))


def main() -> None:
    """Run the three configurations and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    stock, rafiq = stock_model(), train(ROOT / "models")
    work = Path(tempfile.mkdtemp(prefix="rafiq-scale-"))
    work.chmod(0o755)  # scripts/postgres runs the server as the postgres user when we are root
    base = Cluster(ClusterConfig(model=rafiq, work=work / "base", replica_ports=[], postgres_port=free_port(),
                                 redis_port=free_port(), actions=False, proxy=False))
    rows: list[tuple[str, Result, float]] = []
    try:
        base.start()

        def config(name: str, model: Path, replicas: int, **extra: object) -> ClusterConfig:
            return ClusterConfig(model=model, work=work / name, port=free_port(), actions_port=free_port(),
                                 replica_ports=[free_port() for _ in range(replicas)],
                                 database_url=fresh_database(base.database_url, name), redis_url=base.redis_url,
                                 dotenv=work / "none.env", **extra)  # type: ignore[arg-type]

        def stock_config(name: str, replicas: int) -> ClusterConfig:
            cfg = config(name, stock, replicas, actions=False, credentials="rest: {}\n")
            cfg.endpoints = stock_endpoints(str(cfg.database_url), base.redis_url)
            return cfg

        runs = [("stock Rasa, 1 replica", stock_config("stock1", 1)),
                ("Rafiq, 1 replica", config("rafiq1", rafiq, 1)), ("Rafiq, 2 replicas", config("rafiq2", rafiq, 2)),
                ("stock Rasa, 2 replicas", stock_config("stock2", 2))]
        for label, cfg in runs:
            print(f"measuring: {label}...", file=sys.stderr)
            rows.append((label, *measure(cfg, base, args.conversations, args.seconds)))
    finally:
        base.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {machine()}")
    print(f"load: {args.conversations} concurrent REST conversations (routine messages in eight languages, 6 turns "
          f"each), {args.seconds:.0f} s each after {WARMUP:.0f} s of warm-up, through nginx; each configuration on its "
          "own new PostgreSQL database (tracker store) and one Redis (lock store)")
    print(f"{HEADER} {'CPU ms/msg':>10} {'cores':>5}")
    for label, result, cpu in rows:
        print(f"{result.line(label)} {cpu * 1000:10.1f} {cpu * result.rate:5.2f}")
    stock_rate, one, two, stock_two = (result.rate for _, result, _ in rows)
    print(f"Rafiq 1 replica / stock Rasa: {one / stock_rate:.2f} (target >= 0.8); "
          f"2 replicas / 1 replica: {two / one:.2f} (target >= 1.8; stock Rasa on the same machine: "
          f"{stock_two / stock_rate:.2f}); errors: {sum(result.errors for _, result, _ in rows)} (target 0)")
    print("CPU ms/msg: CPU time of every process (Rasa, action server, PostgreSQL, Redis, nginx, this load "
          "generator) per answered message; cores: how many of the machine's cores that kept busy")


if __name__ == "__main__":
    main()
