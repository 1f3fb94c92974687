"""Engine, session factory and the column types every model shares.

Instants are stored as timezone-aware UTC. PostgreSQL keeps ``timestamptz``; SQLite has no
time zone type, so :class:`UTCDateTime` stores naive UTC text there and re-attaches UTC on the
way out. Either way the application only ever sees aware UTC datetimes.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NaiveDatetimeError(ValueError):
    """An instant without a UTC offset reached the database layer."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every backend (see module docstring)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {value!r}: instants must carry an offset")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value if value.tzinfo is UTC else value.astimezone(UTC)


_SIMULATED: ContextVar[Callable[[], datetime] | None] = ContextVar("slatrack_simulated_clock", default=None)


def utcnow() -> datetime:
    """The time every write is stamped with: the wall clock, unless :func:`simulated_clock` is on."""
    clock = _SIMULATED.get()
    return datetime.now(UTC) if clock is None else clock()


@contextmanager
def simulated_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """Stamp this thread's writes with ``clock()`` instead of the wall clock.

    Only for loading a simulated history (the demo's year of service): each fact is then
    recorded when it would have been, so "recorded late" (fleet/lateness.py) and ``as_of``
    reports mean in the demo what they mean in production. Never on a request path."""
    token = _SIMULATED.set(clock)
    try:
        yield
    finally:
        _SIMULATED.reset(token)


_ID_LOCK = threading.Lock()
_last_id = 0


def new_id() -> str:
    """A UUIDv7 string: random, yet ordered by creation time (cursor pagination sorts by id).

    Monotonic within a process (RFC 9562, 6.2, method 2): an id made in the same millisecond as
    the one before is that one plus one in its random bits, so records made in one burst (three
    comments in a test, a batch of rows) still list in the order they were made."""
    global _last_id
    ms = time.time_ns() // 1_000_000
    rand = secrets.randbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    with _ID_LOCK:
        if value <= _last_id and (_last_id >> 80) >= ms:
            value = _bump(_last_id)
        _last_id = value
    return str(uuid.UUID(int=value))


def _bump(previous: int) -> int:
    """The next UUIDv7 after ``previous`` in the same millisecond: its 74 random bits plus one
    (the version and variant bits kept in place)."""
    rand_a = (previous >> 64) & 0xFFF
    rand_b = previous & ((1 << 62) - 1)
    counter = ((rand_a << 62) | rand_b) + 1
    if counter >> 74:  # 2**74 ids in one millisecond: never, but stay a valid UUID
        counter = 0
    ms = previous >> 80
    return (ms << 80) | (0x7 << 76) | ((counter >> 62) << 64) | (0b10 << 62) | (counter & ((1 << 62) - 1))


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False, poolclass: Any = None) -> Engine:
    """Create an engine with the settings each backend needs.

    SQLite: foreign keys on, WAL journal, a busy timeout, and transactions begun by us so a
    write transaction can take the write lock up front (``BEGIN IMMEDIATE``); see
    :func:`write_session`. PostgreSQL: psycopg 3 with a ping of connections that sat idle (see
    :func:`_ping_idle_connections`) and a connect timeout, so an outage surfaces as an error
    instead of a hang.
    """
    if is_sqlite(url):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            path = url.removeprefix("sqlite:///")
            if path and os.path.dirname(path):
                os.makedirs(os.path.dirname(path), exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=poolclass,
        )
        _configure_sqlite(engine)
        return engine
    kwargs: dict[str, Any] = {"echo": echo}
    if poolclass is NullPool:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_timeout=10)
    kwargs["connect_args"] = {"connect_timeout": 5, "options": "-c statement_timeout=60000 -c timezone=UTC"}
    engine = create_engine(url, **kwargs)
    _ping_idle_connections(engine)
    return engine


IDLE_PING_SECONDS = 2.0
"""A pooled PostgreSQL connection idle longer than this is pinged before use (and replaced if dead)."""


def _ping_idle_connections(engine: Engine) -> None:
    """Pre-ping, but only connections that sat in the pool for a while: ``pool_pre_ping`` costs a
    round trip on every checkout, a good share of a small request's CPU. A connection back in the
    pool within :data:`IDLE_PING_SECONDS` was working moments ago; if the server went away since,
    the request on it fails like any request during the outage (503), and that disconnect makes
    SQLAlchemy discard every older pooled connection, so the next requests reconnect."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool replaces the connection and retries the checkout
            raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def write_bind(engine: Engine) -> Engine:
    """The engine a write transaction uses: on SQLite it begins with ``BEGIN IMMEDIATE`` so two
    writers queue on the lock (busy timeout) instead of failing on a stale snapshot."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


class Database:
    """Where sessions come from. The app and the CLI hold one; tests swap in one bound to a
    connection whose outer transaction is rolled back after each test."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._read = make_sessionmaker(engine)
        self._write = make_sessionmaker(write_bind(engine))

    def session(self, *, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def ping(session: Session) -> None:
    """A round trip to the database (raises when it does not answer)."""
    session.execute(text("SELECT 1"))
