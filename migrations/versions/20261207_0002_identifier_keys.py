"""Case- and width-insensitive uniqueness for identifiers: agencies.code_key, contracts.number_key,
units.serial_key, users.username_key

Each holds the identifier NFKC-normalized, trimmed and case-folded (``RBT-7781``, ``rbt-7781`` and
full-width ``ＲＢＴ－７７８１`` share one key) under a unique index (ix_<table>_<column>_key). The key is computed in
Python, not by SQL ``lower()``, so SQLite and PostgreSQL agree (their ``lower()`` differ outside
ASCII). The displayed value keeps the case it was given.

Existing rows that would collide: the oldest row (by created_at, then id) keeps the plain key;
each later one gets ``<key>#<its id>``, so the upgrade never fails and no row is changed or lost;
the collisions are logged as warnings (the demo has none). A new identifier equal to any of them
is refused as a duplicate of the oldest; rename the later rows by hand if they were mistakes.

Revision ID: 20261207_0002
Revises: 20261202_0004
Create Date: 2026-12-07 10:00:00
"""
import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_0002'
down_revision: str | None = '20261202_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
KEY_LENGTH = 400
COLUMNS = [("agencies", "code"), ("contracts", "number"), ("units", "serial"), ("users", "username")]


def _key(value: str) -> str:
    """fleet.identifiers.identifier_key as of this revision (frozen here on purpose)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).strip().casefold())


def _fill(table: str, source: str) -> None:
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.String), sa.column("created_at", sa.DateTime),
                 sa.column(source, sa.String), sa.column(f"{source}_key", sa.String))
    rows = bind.execute(sa.select(t.c.id, t.c[source]).order_by(t.c.created_at, t.c.id)).all()
    seen: dict[str, str] = {}
    updates = []
    for row_id, value in rows:
        key = _key(value)
        if key in seen:
            log.warning("%s.%s %r (id %s) collides with id %s when case and width are ignored; its key is "
                        "suffixed with its id", table, source, value, row_id, seen[key])
            key = f"{key}#{row_id}"
        seen.setdefault(key, row_id)
        updates.append({"row_id": row_id, "key": key})
    if updates:
        bind.execute(t.update().where(t.c.id == sa.bindparam("row_id")).values({f"{source}_key": sa.bindparam("key")}),
                     updates)


def upgrade() -> None:
    """No batch mode: on SQLite that would copy each table, and dropping the old ``agencies``
    fails its foreign keys once rows exist. SQLite adds a NOT NULL column in place when it has a
    default ('' here, replaced at once) and a unique index in place."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, source in COLUMNS:
        key = f'{source}_key'
        op.add_column(table, sa.Column(key, sa.String(length=KEY_LENGTH), nullable=not sqlite,
                                       server_default="" if sqlite else None))
        _fill(table, source)
        if not sqlite:
            op.alter_column(table, key, existing_type=sa.String(length=KEY_LENGTH), nullable=False)
        op.create_index(op.f(f'ix_{table}_{key}'), table, [key], unique=True)


def downgrade() -> None:
    for table, source in reversed(COLUMNS):
        op.drop_index(op.f(f'ix_{table}_{source}_key'), table_name=table)
        op.drop_column(table, f'{source}_key')
