"""Per-key rate limiting: a token bucket per API key (or web user), in this process's memory.

Each key has a bucket of ``per_minute`` tokens that refills continuously at ``per_minute / 60``
tokens a second; a request takes one token; an empty bucket answers 429 ``rate_limited`` (the
one error shape) with ``Retry-After``: whole seconds until a token is back. A full bucket lets a
quiet client burst up to one minute's allowance at once.

Decision: **per process, not shared.** The buckets live in each server process, so with
``slatrack serve --workers N`` a key may make up to N × ``SLATRACK_RATE_LIMIT_PER_MINUTE``
requests a minute in the worst case (connections are spread over the workers). A shared limit
would need a database write per request (or a cache server we do not run); the limit's purpose
here is to stop one runaway client from starving the others, which a per-worker bucket does at
no cost. Set the per-worker figure accordingly (limit ÷ workers for a strict overall cap).

``SLATRACK_RATE_LIMIT_PER_MINUTE=0`` disables the limiter (``create_app`` installs none).
The check runs after authentication (:func:`api.deps.get_principal`), so unauthenticated
requests are not counted against anyone's key.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from api.errors import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets keyed by principal id; thread-safe (sync handlers run in a thread pool)."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        if per_minute <= 0:
            raise ValueError("per_minute must be positive (0 means: install no limiter)")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for ``key`` or raise :class:`TooManyRequests` with the wait in seconds."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._prune(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait = max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
        raise TooManyRequests(f"rate limit of {int(self.capacity)} requests a minute for this key exceeded; "
                              f"retry in {wait} s", retry_after=wait)

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled (they behave exactly like new ones)."""
        full = [k for k, b in self._buckets.items()
                if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for k in full:
            del self._buckets[k]


def limiter_for(per_minute: int) -> RateLimiter | None:
    """The limiter for a setting: None (no limit) when it is 0 or less."""
    return RateLimiter(per_minute) if per_minute > 0 else None
