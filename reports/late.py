"""The contract review's late records: what of the record came after the fact (DESIGN.md principle 9).

The ticket facts come from the tickets the review already evaluated (their facts are in memory,
cut at ``as_of``), so finding the late ones costs no extra read of the events; one query
(:func:`fleet.lateness.who_and_why`) then fetches who recorded the late ones and why. Telemetry is
summarised per unit from :func:`fleet.lateness.late_status_events`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from fleet import lateness as fleet_lateness
from fleet.sla_service import EvaluatedTicket
from reports.data import LateRecord, LateRecords, LateTelemetry
from slas import lateness

_Q2 = Decimal("0.01")


def _minutes(span: timedelta) -> Decimal:
    return (Decimal(span.total_seconds()) / 60).quantize(_Q2, rounding=ROUND_HALF_UP)


def late_records(session: Session, *, window_hours: int, evaluated: Iterable[EvaluatedTicket],
                 ticket_recorded: Mapping[str, datetime], unit_serials: Mapping[str, str],
                 start: datetime, end: datetime, as_of: datetime) -> LateRecords:
    """The late facts of ``evaluated`` (tickets with their facts as of ``as_of``) and the late
    telemetry of the units ``unit_serials`` for status events that occurred in ``[start, end)``."""
    found: list[dict[str, Any]] = []
    total = 0
    for e in evaluated:
        facts = [("reported", e.id, e.reported_at, ticket_recorded[e.id])]
        facts += [(f.type, f.id, f.occurred_at, f.recorded_at) for f in e.facts]
        total += len(facts)
        for kind, fact_id, occurred, recorded in facts:
            if lateness.is_late(occurred, recorded, window_hours):
                found.append({"fact": kind, "id": fact_id, "occurred_at": occurred, "recorded_at": recorded,
                              "delay_minutes": _minutes(lateness.delay(occurred, recorded)),
                              "ticket_id": e.id, "ticket_number": e.number})
    who = fleet_lateness.who_and_why(session, [f["id"] for f in found if f["fact"] == "reported"],
                       [f["id"] for f in found if f["fact"] != "reported"])
    facts_out = [LateRecord(**f, actor=who[f["id"]][0], reason=who[f["id"]][1])
                 for f in sorted(found, key=lambda f: (f["recorded_at"], f["ticket_number"], f["id"]))]
    return LateRecords(facts=facts_out, ticket_facts=total, window_hours=window_hours,
                       status_events=_late_telemetry(session, window_hours, unit_serials, start, end, as_of))


def _late_telemetry(session: Session, window_hours: int, unit_serials: Mapping[str, str], start: datetime,
                    end: datetime, as_of: datetime) -> list[LateTelemetry]:
    per_unit = fleet_lateness.late_status_events(session, window_hours, unit_serials, start, end, as_of)
    return [LateTelemetry(count=len(late), first_occurred_at=min(o for o, _ in late),
                          last_occurred_at=max(o for o, _ in late),
                          max_delay_minutes=max(_minutes(lateness.delay(o, r)) for o, r in late),
                          unit_id=unit_id, unit_serial=unit_serials[unit_id])
            for unit_id, late in sorted(per_unit.items(), key=lambda kv: unit_serials[kv[0]])]
