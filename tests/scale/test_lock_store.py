"""The atomic lock store on a real Redis: mutual exclusion across processes, FIFO, token checks, expiry, wake-up."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import random
import time
import uuid
from typing import Any

import pytest
import redis  # type: ignore[import-untyped]

from channels.lock_store import ACQUIRE, RELEASE, AtomicRedisLockStore, cancellable
from tests.scale.redisd import RedisServer

pytestmark = pytest.mark.scale


def store(server: RedisServer, **options: Any) -> AtomicRedisLockStore:
    """A lock store on the test server (its own connections)."""
    return AtomicRedisLockStore(url=server.url, key_prefix="test", **options)


def conversation() -> str:
    """A fresh conversation id."""
    return f"conv-{uuid.uuid4().hex[:12]}"


def _hammer(url: str, conv: str, tasks: int, tag: str) -> None:
    """In a separate process: `tasks` concurrent turns on one conversation, each checking it is alone."""
    lock_store = AtomicRedisLockStore(url=url, key_prefix="test", poll=0.2)
    checker = redis.Redis.from_url(url)
    checker.incr(f"ready:{conv}")
    while int(checker.get(f"ready:{conv}") or 0) < 2:  # both processes start together
        time.sleep(0.001)
    rng = random.Random(tag)

    async def turn(i: int) -> None:
        await asyncio.sleep(rng.random() * 0.2)  # arrivals spread over 200 ms, interleaved between processes
        async with lock_store.lock(conv):
            inside = checker.incr(f"inside:{conv}")
            checker.rpush(f"log:{conv}", f"{tag}:{i}:{inside}")
            await asyncio.sleep(0.002)
            checker.decr(f"inside:{conv}")

    async def main() -> None:
        await asyncio.gather(*(turn(i) for i in range(tasks)))

    asyncio.run(main())


def test_two_processes_never_hold_one_conversation_at_once(redis_server: RedisServer) -> None:
    conv = conversation()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(redis_server.url, conv, 40, tag)) for tag in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    log = client.lrange(f"log:{conv}", 0, -1)
    assert len(log) == 80
    assert {entry.rsplit(":", 1)[1] for entry in log} == {"1"}  # never two inside at once
    assert {entry.split(":")[0] for entry in log} == {"a", "b"}
    owner, queue, alive, _ = store(redis_server).keys(conv)
    assert client.exists(owner, queue, alive) == 0  # nothing left behind


async def test_turns_are_served_in_the_order_they_joined(redis_server: RedisServer) -> None:
    first, second = store(redis_server, poll=0.5), store(redis_server, poll=0.5)  # two "replicas"
    conv = conversation()
    queue = first.keys(conv)[1]
    client = redis.Redis.from_url(redis_server.url)
    order: list[int] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with first.lock(conv):
            await release.wait()

    async def turn(i: int) -> None:
        async with (first if i % 2 else second).lock(conv):
            order.append(i)
            await asyncio.sleep(0.001)

    tasks = [asyncio.create_task(holder())]
    await asyncio.sleep(0.05)
    for i in range(12):
        tasks.append(asyncio.create_task(turn(i)))
        for _ in range(200):  # the next one joins only once this one is in the queue
            if client.llen(queue) == i + 1:
                break
            await asyncio.sleep(0.005)
    release.set()
    await asyncio.gather(*tasks)
    assert order == list(range(12))


async def test_release_is_token_checked_and_a_dead_holder_expires(redis_server: RedisServer) -> None:
    lock_store = store(redis_server, poll=0.05, lease=0.3, max_hold=0.3)
    conv = conversation()
    owner, queue, alive, wake = lock_store.keys(conv)
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    acquire, release = client.register_script(ACQUIRE), client.register_script(RELEASE)
    assert acquire(keys=[owner, queue, alive], args=["dead", 300, wake, 1000, "1", 5000]) == 1  # never renews
    assert release(keys=[owner, queue, alive], args=["intruder", 300, wake]) == 0  # not the holder: no effect
    assert client.get(owner) == "dead"
    started = time.monotonic()
    async with lock_store.lock(conv):
        waited = time.monotonic() - started
        assert client.get(owner) != "dead"
        assert release(keys=[owner, queue, alive], args=["dead", 300, wake]) == 0  # too late: ours stays
        assert client.exists(owner)
    assert 0.1 < waited < 2.0  # after the dead holder's lease, not before
    assert client.exists(owner) == 0


async def test_a_waiter_is_woken_at_once_not_at_the_next_poll(redis_server: RedisServer) -> None:
    holder_store, waiter_store = store(redis_server, poll=5.0, alive=15.0), store(redis_server, poll=5.0, alive=15.0)
    delays: list[float] = []
    for _ in range(15):
        conv = conversation()
        released_at: list[float] = []
        entered = asyncio.Event()

        async def hold(conv: str = conv, entered: asyncio.Event = entered,
                       released_at: list[float] = released_at) -> None:
            async with holder_store.lock(conv):
                entered.set()
                await asyncio.sleep(0.05)
                released_at.append(time.perf_counter())

        task = asyncio.create_task(hold())
        await entered.wait()
        async with waiter_store.lock(conv):
            delays.append(time.perf_counter() - released_at[0])
        await task
    delays.sort()
    # without the wake-up every waiter would wait for its next poll, 5 s; the margins allow a loaded CI machine
    assert delays[len(delays) // 2] < 0.5
    assert delays[-1] < 2.5


async def test_the_lease_is_renewed_while_a_long_turn_runs(redis_server: RedisServer) -> None:
    first, second = store(redis_server, lease=0.3, poll=0.05), store(redis_server, lease=0.3, poll=0.05)
    conv = conversation()
    events: list[str] = []

    async def long_turn() -> None:
        async with first.lock(conv):
            events.append("long in")
            await asyncio.sleep(1.2)  # four leases: only renewal keeps the lock
            events.append("long out")

    async def next_turn() -> None:
        await asyncio.sleep(0.1)
        async with second.lock(conv):
            events.append("next")

    await asyncio.gather(long_turn(), next_turn())
    assert events == ["long in", "long out", "next"]


async def test_cancelled_and_dead_waiters_do_not_block_the_queue(redis_server: RedisServer) -> None:
    lock_store = store(redis_server, poll=0.05, alive=0.2)
    conv = conversation()
    owner, queue, alive, wake = lock_store.keys(conv)
    client = redis.Redis.from_url(redis_server.url)
    acquire = client.register_script(ACQUIRE)
    release = asyncio.Event()
    order: list[str] = []

    async def holder() -> None:
        async with lock_store.lock(conv):
            await release.wait()

    async def turn(name: str) -> None:
        async with lock_store.lock(conv):
            order.append(name)

    hold = asyncio.create_task(holder())
    await asyncio.sleep(0.05)
    cancelled = asyncio.create_task(turn("cancelled"))
    await asyncio.sleep(0.05)
    assert acquire(keys=[owner, queue, alive], args=["ghost", 300, wake, 100, "1", 5000]) == 0  # a dead replica's
    live = asyncio.create_task(turn("live"))
    await asyncio.sleep(0.3)  # the ghost's alive deadline passes
    cancelled.cancel()
    for _ in range(200):  # the cancelled waiter leaves the queue (its release runs shielded, right away)
        if client.llen(queue) == 2:
            break
        await asyncio.sleep(0.01)
    assert client.llen(queue) == 2  # the ghost and the live waiter
    started = time.monotonic()
    release.set()
    await asyncio.gather(hold, live)
    assert order == ["live"]
    assert time.monotonic() - started < 2.0  # a ghost wrongly given the lock would hold it for the 15 s lease


async def test_a_cancelled_caller_is_cancelled_even_when_the_redis_call_swallows_it() -> None:
    """What redis-py 4.6 does when a cancellation meets its `async_timeout(0)` connection check (Python 3.10)."""
    finished = asyncio.Event()

    async def swallowing_call() -> str:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)
        finished.set()
        return "swallowed"

    async def waiter(wrap: bool) -> str:
        return await (cancellable(swallowing_call()) if wrap else swallowing_call())

    bare = asyncio.create_task(waiter(wrap=False))
    await asyncio.sleep(0.01)
    bare.cancel()
    assert await bare == "swallowed"  # the failure mode: the caller goes on as if never cancelled
    finished.clear()
    guarded = asyncio.create_task(waiter(wrap=True))
    await asyncio.sleep(0.01)
    guarded.cancel()
    with pytest.raises(asyncio.CancelledError):
        await guarded
    await asyncio.wait_for(finished.wait(), 1)  # and the call itself was cancelled too


def test_rasa_creates_it_from_endpoints_and_reports_an_unreachable_redis(redis_server: RedisServer) -> None:
    from rasa.core.lock_store import LockStore
    from rasa.shared.exceptions import ConnectionException
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", type="channels.lock_store.AtomicRedisLockStore",
                            port=redis_server.port, db=2, key_prefix="rafiq")
    created = LockStore.create(config)
    assert isinstance(created, AtomicRedisLockStore)
    assert created.keys("c1")[0] == "rafiq:lock:{c1}:owner"
    dead = EndpointConfig(url="127.0.0.1", type="channels.lock_store.AtomicRedisLockStore", port=1, db=0)
    with pytest.raises((ConnectionException, Exception), match="lock store"):
        LockStore.create(dead)
