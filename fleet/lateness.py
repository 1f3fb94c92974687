"""The reporting window rule: who may record a fact later than the contract allows, and how.

DESIGN.md principle 9: a fact recorded later than the contract's reporting window is flagged
wherever it is shown, and the counterparty cannot backdate beyond it. So, for a ticket's
``reported_at``, an event's ``occurred_at`` and a correction's new ``occurred_at``:

* within the window: recorded, not flagged;
* late, by an **agency** (key or web user): refused (``outside_reporting_window``, 422), nothing
  stored. The agency reports through the vendor's contract manager, who records it with a reason;
* late, by an **admin, manager or engineer**: recorded only with a reason (``late_reason`` on a
  ticket or event; a correction's required ``reason`` is its reason), else refused
  (``late_reason_required``, 422). Engineers are held to the same rule as managers: a backdated
  milestone (on site, restored) moves the vendor's own figures, so it must say why;
* the **system** principal (the operator's CLI and in-process loaders: demo, imports) records
  without a reason; its late facts are flagged like any other.

Telemetry status events are never refused (robots buffer offline and send later); they are
flagged when late. The rule ("late, by how much") is :mod:`slas.lateness`; this module applies it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fleet.errors import Invalid
from fleet.principal import Principal
from slas import lateness


def check(principal: Principal, *, what: str, occurred_at: datetime, recorded_at: datetime, window_hours: int,
          reason: str | None) -> None:
    """Raise :class:`Invalid` when ``principal`` may not record this fact now (see the module doc)."""
    if not lateness.is_late(occurred_at, recorded_at, window_hours):
        return
    gap = lateness.describe(lateness.delay(occurred_at, recorded_at))
    told = (f"{what} {occurred_at.isoformat()} is {gap} before it is being recorded, beyond this contract's "
            f"reporting window of {window_hours} hours")
    details = [{"window_hours": window_hours, "delay_minutes": round(lateness.delay(occurred_at, recorded_at)
                                                                    .total_seconds() / 60, 2)}]
    if principal.role == "agency":
        raise Invalid(f"{told}: ask the vendor's contract manager to record it with the reason it is late",
                      code="outside_reporting_window", details=details)
    if principal.kind == "system" or (reason and reason.strip()):
        return
    field = "reason" if what == "the corrected occurred_at" else "late_reason"
    raise Invalid(f"{told}: give a {field} saying why it is recorded late", code="late_reason_required",
                  details=details)


def flags(occurred_at: datetime, recorded_at: datetime, window_hours: int) -> dict[str, Any]:
    """``recorded_late`` and ``late_by_minutes`` (the delay; ``None`` when on time) for an answer."""
    late = lateness.late_by_minutes(occurred_at, recorded_at, window_hours)
    return {"recorded_late": late is not None, "late_by_minutes": late}
