"""Test harness: one migrated database per run, a rolled-back transaction per test.

SQLite by default (a temporary file); PostgreSQL when ``SLATRACK_TEST_DATABASE_URL`` is set
(its ``public`` schema is dropped and rebuilt at the start of the run). Each test gets a
connection in an outer transaction; the app's and the CLI's sessions join it through savepoints,
so their commits are real to them and vanish after the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet.db import Database, make_engine

PG_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")

# Speed is the benchmarks' business (bench/), never a test's: no per-example deadline, so a slow
# or busy CI machine cannot fail a property that holds.
hypothesis_settings.register_profile("slatrack", deadline=None)
hypothesis_settings.load_profile("slatrack")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = PG_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


class BoundDatabase(Database):
    """A :class:`Database` whose sessions join the test's outer transaction via savepoints."""

    def __init__(self, connection: Connection):
        self.engine = connection.engine
        self._factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                     expire_on_commit=False)

    def session(self, *, write: bool) -> Session:
        return self._factory()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    if outer.is_active:
        outer.rollback()
    conn.close()


@pytest.fixture
def db(connection: Connection) -> BoundDatabase:
    return BoundDatabase(connection)


@pytest.fixture
def session(db: BoundDatabase) -> Iterator[Session]:
    s = db.session(write=True)
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-secret").resolved()


@pytest.fixture
def app(settings: Settings, db: BoundDatabase):  # type: ignore[no-untyped-def]
    return create_app(settings, db=db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def cli(db: BoundDatabase, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``slatrack`` commands against the test's transaction."""
    from typer.testing import CliRunner

    import api.cli

    monkeypatch.setattr(api.cli, "_database", db)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(api.cli.app, list(args), input=input)

    return run
