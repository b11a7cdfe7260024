"""An atomic Redis lock store for Rasa: one conversation is served by one replica at a time, in arrival order.

Rasa's own RedisLockStore reads the ticket list with GET and writes it back with SET, so two replicas can both
believe they hold a conversation (measured: a turn lost in 34 of 40 simultaneous pairs). Here every step is one
Lua script, executed atomically by Redis:

- a message joins the conversation's FIFO (RPUSH of a random token), and the lock (`owner`, SET ... PX) is only
  ever given to the head of that FIFO: messages are served in the order they reached Redis;
- release is token-checked (only the holder deletes `owner`) and hands the lock straight to the next live waiter,
  waking it through its own list (BLPOP returns at once: no 1-second poll);
- the lock is a lease: LEASE seconds, renewed every LEASE/3 while the turn runs, for at most MAX_HOLD (the action
  server timeout plus a margin), so a slow custom action keeps it and a killed replica frees it within LEASE;
- a waiter refreshes its "alive" deadline every POLL; waiters of a dead replica are skipped.

endpoints.yml: `lock_store: {type: channels.lock_store.AtomicRedisLockStore, url: HOST or redis://..., port,
db, password, key_prefix}`. Keys hold only the conversation id Rasa gives (a pseudonym for SMS and Telegram).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import redis  # type: ignore[import-untyped]
import redis.asyncio as aioredis  # type: ignore[import-untyped]
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")

LEASE = 15.0  # seconds a holder keeps the lock without renewing it (a dead replica frees it after this)
MAX_HOLD = DEFAULT_REQUEST_TIMEOUT + 30.0  # the action call may take DEFAULT_REQUEST_TIMEOUT (300 s): never cut it
POLL = 1.0  # a waiter re-checks (and proves it is alive) at least this often; release wakes it at once
ALIVE = 10.0  # a waiter silent for this long is presumed dead and skipped

_GRANT = """
local function grant_head(now)
  while true do
    local head = redis.call('LPOP', KEYS[2])
    if not head then return false end
    local deadline = tonumber(redis.call('HGET', KEYS[3], head) or '0')
    redis.call('HDEL', KEYS[3], head)
    if deadline >= now then
      redis.call('SET', KEYS[1], head, 'PX', ARGV[2])
      if head ~= ARGV[1] then
        local wake = ARGV[3] .. head
        redis.call('RPUSH', wake, '1')
        redis.call('PEXPIRE', wake, ARGV[2])
      end
      return head
    end
  end
end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""
# KEYS: owner, queue, alive. ARGV: token, lease ms, wake prefix, alive ms, join (1) or check (0), bookkeeping ttl ms.
# Returns 1 when the caller holds the lock, 0 to wait, -1 when it was skipped as dead (it must join again).
ACQUIRE = _GRANT + """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return 1 end
if ARGV[5] == '1' then
  redis.call('RPUSH', KEYS[2], ARGV[1])
elseif redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then
  return -1
end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[4]))
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('PEXPIRE', KEYS[3], ARGV[6])
if owner then return 0 end
if grant_head(now) == ARGV[1] then return 1 end
return 0
"""
# KEYS: owner, queue, alive. ARGV: token, lease ms, wake prefix. Returns 1 when the caller held the lock.
RELEASE = _GRANT + """
local held = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  held = 1
else
  redis.call('LREM', KEYS[2], 0, ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
if redis.call('EXISTS', KEYS[1]) == 0 then grant_head(now) end
return held
"""
# KEYS: owner. ARGV: token, lease ms. Returns 1 when the lease was extended, 0 when the caller no longer holds it.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


async def cancellable(call: Awaitable[T]) -> T:
    """Await a redis-py call so that cancelling the caller always raises CancelledError in the caller.

    redis-py 4.6 checks a pooled connection with `async_timeout(0)`, and on Python 3.10 async-timeout takes a
    cancellation arriving in that instant for its own timeout and swallows it: a cancelled waiter would stay
    queued and later run the turn it was cancelled for (seen in about 3 of 100 tries on a loaded machine).
    Here the call runs as its own task and the caller waits on `asyncio.wait`, whose waiter is cancelled
    directly; the call itself is then cancelled as well.
    """
    task = asyncio.ensure_future(call)
    try:
        await asyncio.wait((task,))
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(_consume)
        raise
    return task.result()


def _consume(task: asyncio.Future[Any]) -> None:
    """Retrieve an abandoned call's outcome (asyncio would otherwise log "exception was never retrieved")."""
    if not task.cancelled():
        task.exception()


class AtomicRedisLockStore(LockStore):
    """Rasa lock store on Redis with atomic, token-checked, FIFO, promptly woken locks (see the module docstring)."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, *, url: str | None = None,
                 lease: float = LEASE, max_hold: float = MAX_HOLD, poll: float = POLL, alive: float = ALIVE,
                 **options: Any) -> None:
        config = dict(endpoint_config.kwargs) if endpoint_config is not None else {}
        config.update(options)
        self.url = (endpoint_config.url if endpoint_config is not None else None) or url or "localhost"
        self.lease = float(config.pop("lease", lease))
        self.max_hold = float(config.pop("max_hold", max_hold))
        self.max_wait = float(config.pop("max_wait", self.max_hold))
        self.poll, self.alive = float(config.pop("poll", poll)), float(config.pop("alive", alive))
        if not 0 < self.poll < self.alive or self.lease <= 0 or self.max_hold < self.lease:
            raise ValueError("lock store: need 0 < poll < alive, lease > 0 and max_hold >= lease")
        prefix = config.pop("key_prefix", None)
        if prefix is not None and not str(prefix).isalnum():
            raise ValueError("lock store: key_prefix must be alphanumeric")
        self.key_prefix = f"{prefix}:lock:" if prefix else "lock:"
        self._options = self._connection_options(config)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._check_connection()
        super().__init__()

    def _connection_options(self, config: dict[str, Any]) -> dict[str, Any]:
        """redis-py connection arguments from endpoints.yml (a redis:// URL in `url` wins over host/port/db)."""
        options: dict[str, Any] = {"socket_timeout": float(config.pop("socket_timeout", 10)),
                                   "socket_connect_timeout": 5.0}
        for key in ("username", "password", "ssl_certfile", "ssl_keyfile", "ssl_ca_certs"):
            if config.get(key):
                options[key] = config[key]
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            db = config.get("db")
            options.update(host=self.url, port=int(config.get("port") or 6379), db=1 if db is None else int(db),
                           ssl=bool(config.get("use_ssl", False)))
        return options

    def _new_client(self, module: Any) -> Any:
        """A client of redis-py's sync or asyncio flavour with the configured connection."""
        if self.url.startswith(("redis://", "rediss://", "unix://")):
            return module.Redis.from_url(self.url, **self._options)
        return module.Redis(**self._options)

    def _check_connection(self) -> None:
        """Fail at start-up with a clear message when Redis is unreachable (Rasa reports a ConnectionException)."""
        client = self._new_client(redis)
        try:
            client.ping()
        except redis.RedisError as error:
            raise ConnectionError(f"Redis lock store unreachable: {error}") from error
        finally:
            client.close()

    def _client(self) -> Any:
        """The asyncio client of the running event loop (a connection pool belongs to one loop)."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._new_client(aioredis)
            client.rafiq_scripts = {name: client.register_script(source)
                                    for name, source in (("acquire", ACQUIRE), ("release", RELEASE),
                                                         ("renew", RENEW))}
            self._clients[loop] = client
        return client

    def keys(self, conversation_id: str) -> tuple[str, str, str, str]:
        """owner, queue, alive and the wake prefix of a conversation (one hash tag: one Redis Cluster slot)."""
        base = f"{self.key_prefix}{{{conversation_id}}}"
        return f"{base}:owner", f"{base}:queue", f"{base}:alive", f"{base}:wake:"

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock for the body (Rasa's arguments are ignored: see LEASE, MAX_HOLD, POLL)."""
        client = self._client()
        token = secrets.token_hex(16)
        keys = self.keys(conversation_id)
        try:
            await self._acquire(client, keys, token)
            keeper = asyncio.get_running_loop().create_task(self._keep(client, keys, token))
            try:
                yield TicketLock(conversation_id)
            finally:
                keeper.cancel()
        finally:
            await asyncio.shield(self._release(client, keys, token))

    async def _acquire(self, client: Any, keys: tuple[str, str, str, str], token: str) -> None:
        """Join the FIFO and wait, woken by the releasing holder, until the lock is ours."""
        owner, queue, alive, wake = keys
        started = time.monotonic()
        ms = self._ms

        async def attempt(join: bool) -> int:
            args = [token, ms(self.lease), wake, ms(self.alive), "1" if join else "0", ms(self.max_wait + self.lease)]
            return int(await cancellable(client.rafiq_scripts["acquire"](keys=[owner, queue, alive], args=args)))

        state = await attempt(join=True)
        while state != 1:
            if state == -1:  # our event loop stalled beyond ALIVE and we were skipped: queue again
                logger.warning("lock store: a waiter was presumed dead and queued again")
                state = await attempt(join=True)
                continue
            if time.monotonic() - started > self.max_wait:
                raise LockError(f"no lock for a conversation after {self.max_wait:.0f} s")
            await cancellable(client.blpop([wake + token], timeout=self.poll))
            state = await attempt(join=False)

    async def _keep(self, client: Any, keys: tuple[str, str, str, str], token: str) -> None:
        """Renew the lease every LEASE/3 while the turn runs, for at most MAX_HOLD."""
        started = time.monotonic()
        while True:
            await asyncio.sleep(self.lease / 3)
            if time.monotonic() - started + self.lease > self.max_hold:
                logger.warning("lock store: a turn is still running after %.0f s; its lock will expire", self.max_hold)
                return
            try:
                renewed = await cancellable(client.rafiq_scripts["renew"](keys=[keys[0]],
                                                                          args=[token, self._ms(self.lease)]))
            except redis.RedisError as error:
                logger.error("lock store: renewing a lock failed: %s", error)
                continue
            if not renewed:
                logger.error("lock store: a lock expired while its turn was running (event loop stalled?)")
                return

    async def _release(self, client: Any, keys: tuple[str, str, str, str], token: str) -> None:
        """Token-checked release (or leave the FIFO), handing the lock to the next live waiter."""
        owner, queue, alive, wake = keys
        try:
            await client.rafiq_scripts["release"](keys=[owner, queue, alive], args=[token, self._ms(self.lease), wake])
            await client.delete(wake + token)
        except redis.RedisError as error:  # the lease expires by itself: the conversation waits at most LEASE
            logger.error("lock store: releasing a lock failed: %s", error)

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, int(seconds * 1000))

    async def aclose(self) -> None:
        """Close the connection pool of the running loop."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()
