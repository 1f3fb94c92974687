"""The answer cache: a contract's figures for a closed period, kept until the record changes them.

A contract's availability or compliance for a period that has ended, asked for "as the record
stands now" (no ``at``, no ``as_of``), is the same answer until a write changes the record it is
computed from. Every write appends a ledger entry (:mod:`fleet.audit`) naming, beside the entry,
which figures it can change (:class:`fleet.audit.Scope`: a contract or any, and the earliest
instant it touches or none). So an answer computed after ledger entry ``seq`` still holds while
no later entry names its contract (or no contract) with ``affects_from`` before the period's end
(or none): one indexed query instead of the computation. Anything else (``at`` or ``as_of``
given, a period not yet over) is computed every time.

Why this is exact:

- Appends hold the ledger head lock until commit, so entries commit in ``seq`` order: the
  latest entry a reader sees (``seq``) is a cut with every write up to it committed and none
  after. The head is read *before* the answer is computed and "now" taken after it, so every
  write up to ``seq`` has ``recorded_at`` ≤ now and is in the answer. That takes one clock (the
  processes of one host, as ``slatrack serve --workers`` runs them); as a guard, an answer is not
  kept when any of the newest :data:`CLOCK_CHECK_SPAN` entries is stamped after its "now". A write
  after ``seq`` may or may not be in it: the check looks at every entry after ``seq``, so such a
  write, if relevant, discards the answer: cautious, never stale.
- The chain is hash-linked: the entry at ``seq`` must still have the hash it had, so a rolled
  back or different database never matches an answer it did not produce.
- For a period that ended by now, the figures do not depend on "now" any more, except through
  clocks still running (compliance): the answer then says until when it holds
  (``valid_until``: the next due time of a running clock, or a future-dated event's instant),
  and is not kept when a running clock is already at its target (it breaches at the calendar's
  next open minute).

The cache is per process (each server worker has its own), bounded (least recently used out).
Only the app's own writes are seen: after editing the database by hand (SQL, a data fix),
restart the workers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import Table, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from fleet.db import utcnow
from fleet.figures import Compliance, ContractAvailability
from fleet.lru import LRU
from fleet.models import AuditEntry

M = TypeVar("M", Compliance, ContractAvailability)  # answers read "now": stamped anew when served
_ENTRIES = cast(Table, AuditEntry.__table__)
_E = _ENTRIES.c

#: How many ledger entries a check may walk; an answer older than that is recomputed.
MAX_CHECK_SPAN = 20_000


class Head(NamedTuple):
    """The latest ledger entry a reader sees (``seq`` 0: an empty ledger)."""

    seq: int
    hash: str
    recorded_at: datetime | None


_HEAD = select(_E.seq, _E.hash, _E.recorded_at).order_by(_E.seq.desc()).limit(1)
_LATEST_STAMP = select(func.max(_E.recorded_at)).where(_E.seq > bindparam("floor"), _E.seq <= bindparam("head"))

#: How many of the newest ledger entries a fresh answer checks for a stamp later than its "now".
CLOCK_CHECK_SPAN = 1_000
_CHANGED = select(
    select(_E.hash).where(_E.seq == bindparam("seq")).scalar_subquery(),
    exists().where(_E.seq > bindparam("seq"), _E.seq <= bindparam("head"),
                   or_(_E.contract_id.is_(None), _E.contract_id == bindparam("contract_id")),
                   or_(_E.affects_from.is_(None), _E.affects_from < bindparam("end"))))


def read_head(session: Session) -> Head:
    row = session.connection().execute(_HEAD).first()
    return Head(0, "", None) if row is None else Head(int(row[0]), str(row[1]), row[2])


@dataclass(frozen=True)
class _Answer:
    seq: int
    hash: str
    value: Any
    valid_until: datetime | None


class AnswerCache:
    """Answers by key (e.g. ``("availability", contract_id, from, to)``); thread-safe."""

    def __init__(self, size: int = 256):
        self.size = size
        self._answers: LRU[Hashable, _Answer] = LRU(size)
        self.hits = self.misses = 0

    def answer(self, session: Session, key: Hashable, *, contract_id: str, end: datetime,
               compute: Callable[[datetime], tuple[M, datetime | None]]) -> M:
        """The answer for ``key``: a kept one still valid, its ``as_of`` and ``at`` set to now, or
        ``compute(now)``'s, kept if the period (ending at ``end``) is over. ``compute`` returns the
        answer as the record stands at ``now`` (read at ``now``) and until when it holds without
        a write (None: until a write changes it)."""
        if self.size <= 0:
            return compute(utcnow())[0]
        head = read_head(session)
        now = utcnow()
        if end > now:
            return compute(now)[0]
        kept = self._answers.get(key)
        if kept is not None and (kept.valid_until is None or now < kept.valid_until) \
                and self._holds(session, kept, head, contract_id, end):
            self.hits += 1
            if (kept.seq, kept.hash) != (head.seq, head.hash):  # checked up to head: start there next time
                self._answers.put(key, _Answer(head.seq, head.hash, kept.value, kept.valid_until))
            return replace(cast(M, kept.value), as_of=now, at=now)
        self.misses += 1
        value, valid_until = compute(now)
        if (valid_until is None or valid_until > now) and self._stamped_by(session, head, now):
            self._answers.put(key, _Answer(head.seq, head.hash, value, valid_until))
        return value

    @staticmethod
    def _stamped_by(session: Session, head: Head, now: datetime) -> bool:
        """Whether the newest ledger entries were all stamped by ``now``. An entry stamped later
        (a writer whose clock runs ahead) has rows the answer left out (``recorded_at`` after its
        ``as_of``) though it comes before ``head``, which later checks start from: not kept."""
        if head.recorded_at is None or head.recorded_at > now:
            return head.seq == 0
        latest = session.connection().execute(_LATEST_STAMP, {
            "floor": head.seq - CLOCK_CHECK_SPAN, "head": head.seq}).scalar()
        return latest is None or bool(latest <= now)

    @staticmethod
    def _holds(session: Session, kept: _Answer, head: Head, contract_id: str, end: datetime) -> bool:
        """No ledger entry after the answer's could change it, and the chain up to it is the same."""
        if (kept.seq, kept.hash) == (head.seq, head.hash):
            return True
        if head.seq < kept.seq or head.seq - kept.seq > MAX_CHECK_SPAN or kept.seq == 0:
            return False
        same_hash, changed = session.connection().execute(_CHANGED, {
            "seq": kept.seq, "head": head.seq, "contract_id": contract_id, "end": end}).one()
        return bool(same_hash == kept.hash and not changed)

    def clear(self) -> None:
        self._answers.clear()
