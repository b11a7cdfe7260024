"""Contention: two messages of one conversation at the same moment on two replicas, counted in the tracker store.

Each try opens a conversation (one message to replica A), sends two messages at once (one to A, one to B, released
by a barrier), then a last one to A, and reads the conversation's events from the PostgreSQL tracker store:
- lost: a message that is not in the tracker (Rasa's SQL store writes only the events beyond the count it already
  has: two replicas serving one conversation at once lose one of the turns; Rafiq's store, channels/tracker_store.py,
  writes both, interleaved);
- duplicated: a message that is there twice;
- reordered: the opening message not first, the last message not last, or two turns interleaved (a user message not
  preceded by the end of the previous turn, `action_listen`).
The run compares Rasa's own RedisLockStore with channels/lock_store.py, on Rafiq's model and two replicas each.

    .venv/bin/python -m bench.contention [--pairs 100]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import string
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine
from bot.cluster import Cluster, ClusterConfig
from bot.serve import endpoints_yaml

PATH = "/webhooks/rest/webhook"


@dataclass
class Counts:
    """Totals over the tries."""

    tries: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    errors: int = 0
    bad_tries: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        """Accumulate another try's counts."""
        self.tries += other.tries
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.reordered += other.reordered
        self.errors += other.errors
        self.bad_tries += other.bad_tries


def post(url: str, sender: str, text: str) -> bool:
    """One REST message; True when it was answered (HTTP 200)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url + PATH, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            reply.read()
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def token() -> str:
    """A random lowercase word that marks one try's messages."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def judge(conn: sa.engine.Connection, sender: str, texts: list[str]) -> Counts:
    """Count lost, duplicated and reordered messages of one try in the tracker events."""
    rows = conn.execute(sa.text("SELECT type_name, action_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                        {"s": sender}).fetchall()
    said: list[str] = []
    counts, last_action, interleaved = Counts(tries=1), "action_listen", False
    for type_name, action_name, data in rows:
        if type_name == "action":
            last_action = action_name
        elif type_name == "user":
            interleaved |= last_action != "action_listen"
            said.append(str(json.loads(data).get("text") or ""))
            last_action = ""
    found = [next((i for i, s in enumerate(said) if text.split()[-1] in s), None) for text in texts]
    counts.lost = sum(1 for i in found if i is None)
    counts.duplicated = sum(max(0, sum(1 for s in said if text.split()[-1] in s) - 1) for text in texts)
    first, last = found[0], found[-1]
    present = [i for i in found if i is not None]
    counts.reordered = int(interleaved or (first is not None and first != min(present))
                           or (last is not None and last != max(present)))
    if counts.lost or counts.duplicated or counts.reordered:
        counts.bad_tries.append(sender)
    return counts


def one_try(urls: list[str], engine: sa.engine.Engine) -> Counts:
    """Open a conversation on A, then two messages at once on A and B, then a last one on A; judge the tracker."""
    sender, mark = f"contention-{token()}", token()
    texts = [f"hello {mark} opening", f"asylum {mark} left", f"work {mark} right", f"thanks {mark} closing"]
    errors = 0 if post(urls[0], sender, texts[0]) else 1
    barrier = threading.Barrier(2)
    outcome: list[bool] = []

    def at_once(url: str, text: str) -> None:
        barrier.wait()
        outcome.append(post(url, sender, text))

    threads = [threading.Thread(target=at_once, args=(url, text)) for url, text in zip(urls[:2], texts[1:3],
                                                                                        strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors += outcome.count(False) + (0 if post(urls[0], sender, texts[3]) else 1)
    with engine.connect() as conn:
        counts = judge(conn, sender, texts)
    counts.errors = errors
    return counts


def run_tries(urls: list[str], database_url: str, tries: int, parallel: int = 2) -> Counts:
    """`tries` tries, `parallel` conversations at a time."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    total = Counts()
    try:
        with ThreadPoolExecutor(parallel) as pool:
            for counts in pool.map(lambda _: one_try(urls, engine), range(tries)):
                total.add(counts)
    finally:
        engine.dispose()
    return total


def stock_lock_endpoints(actions_port: int, database_url: str, redis_url: str) -> str:
    """Rafiq's endpoints.yml with Rasa's own (non-atomic) RedisLockStore instead of ours."""
    endpoints = yaml.safe_load(endpoints_yaml(actions_port, database_url, redis_url))
    lock = endpoints["lock_store"]
    endpoints["lock_store"] = {"type": "redis", "url": lock["url"], "port": lock["port"], "db": lock["db"],
                               "key_prefix": "stock"}
    return str(yaml.safe_dump(endpoints, sort_keys=False))


def main() -> None:
    """Run the tries with the stock lock store and with ours; print one table."""
    from bench.scale import free_port, fresh_database
    from bot.model import train
    from bot.settings import ROOT

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=100)
    args = parser.parse_args()
    model = train(ROOT / "models")
    work = Path(tempfile.mkdtemp(prefix="rafiq-contention-"))
    work.chmod(0o755)
    base = Cluster(ClusterConfig(model=model, work=work / "base", replica_ports=[], postgres_port=free_port(),
                                 redis_port=free_port(), actions=False, proxy=False))
    rows: list[tuple[str, Counts]] = []
    try:
        base.start()
        for label, name in (("Rasa's RedisLockStore (GET then SET)", "stock"),
                            ("channels.lock_store.AtomicRedisLockStore", "atomic")):
            database, actions_port = fresh_database(base.database_url, name), free_port()
            config = ClusterConfig(model=model, work=work / name, replica_ports=[free_port(), free_port()],
                                   actions_port=actions_port, database_url=database, redis_url=base.redis_url,
                                   proxy=False, dotenv=work / "none.env")
            if name == "stock":
                config.endpoints = stock_lock_endpoints(actions_port, database, base.redis_url)
            print(f"contention: {label}...", file=sys.stderr)
            with Cluster(config) as cluster:
                rows.append((label, run_tries(cluster.replica_urls(), database, args.pairs)))
    finally:
        base.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {machine()}")
    print("two replicas of Rafiq, SQL tracker store on PostgreSQL; per try: one message, then two at the same "
          "moment on the two replicas, then one more")
    print(f"{'lock store':<42} {'tries':>5} {'lost':>5} {'duplicated':>10} {'reordered':>9} {'errors':>6}")
    for label, counts in rows:
        print(f"{label:<42} {counts.tries:5d} {counts.lost:5d} {counts.duplicated:10d} {counts.reordered:9d} "
              f"{counts.errors:6d}")
    print("tries with any lost, duplicated or reordered message: "
          + ", ".join(f"{label.split('.')[-1].split(' ')[0]} {len(counts.bad_tries)}" for label, counts in rows))


if __name__ == "__main__":
    main()
