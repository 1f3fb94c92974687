"""Service credits: what the contractor owes for missed service levels.

Rules:

- Terms (any combination, each optional):
  ``per_breach_amount`` × breached tickets, per (priority, metric) row, with
  ``per_breach_by_priority`` overriding the amount for named priorities
  (e.g. P1 breaches cost more); ``aql_miss_percent_of_period_value`` % of the
  period's value for every row that failed its AQL (``passed is False``; rows
  with nothing decided never fail); ``cap_percent_of_period_value`` caps the
  total at that % of the period's value.
- Every amount is a ``Decimal`` quantized to cents with ROUND_HALF_UP; each line
  is rounded, the total is the sum of rounded lines, then capped (the cap is
  rounded the same way).
- The period's value is the contract value prorated by days
  (:func:`prorated_value`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from slas.compliance import MetricCompliance

CENT = Decimal("0.01")
PER_BREACH = "per_breach"
AQL_MISSED = "aql_missed"
_HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """Round to cents, half up (0.005 → 0.01)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CreditTerms:
    """A contract's service-credit terms (see the module rules)."""

    per_breach_amount: Decimal | None = None
    aql_miss_percent_of_period_value: Decimal | None = None
    cap_percent_of_period_value: Decimal | None = None
    per_breach_by_priority: Mapping[str, Decimal] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("per_breach_amount", "aql_miss_percent_of_period_value", "cap_percent_of_period_value"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, Decimal) or value < 0):
                raise ValueError(f"{name} must be a Decimal ≥ 0, got {value!r}")
        for priority, value in self.per_breach_by_priority.items():
            if not isinstance(value, Decimal) or value < 0:
                raise ValueError(f"per_breach_by_priority[{priority!r}] must be a Decimal ≥ 0, got {value!r}")


@dataclass(frozen=True)
class CreditLine:
    """One reason for a credit: ``per_breach`` (count = breaches) or ``aql_missed`` (count = 1)."""

    reason: str
    priority: str
    metric: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class ServiceCredits:
    """Credits owed for a period; ``capped`` when the cap reduced the total."""

    currency: str
    period_value: Decimal
    lines: tuple[CreditLine, ...]
    total: Decimal
    capped: bool


def prorated_value(
    contract_value: Decimal, contract_start: date, contract_end: date, period_from: date, period_to: date
) -> Decimal:
    """The share of ``contract_value`` for a period, by days, in cents.

    Rule: the contract runs ``[contract_start, contract_end]`` (end date
    *inclusive*), the period ``[period_from, period_to)`` (end *exclusive*);
    value × overlapping days ÷ contract days, rounded half up to cents; 0.00
    when they do not overlap.
    """
    contract_days = (contract_end - contract_start).days + 1
    if contract_days <= 0:
        raise ValueError("contract_end must not be before contract_start")
    first = max(contract_start, period_from)
    last = min(contract_end.toordinal() + 1, period_to.toordinal())
    overlap = max(0, last - first.toordinal())
    return cents(contract_value * overlap / contract_days)


def _lines(row: MetricCompliance, terms: CreditTerms, period_value: Decimal) -> list[CreditLine]:
    lines: list[CreditLine] = []
    per_breach = terms.per_breach_by_priority.get(row.priority, terms.per_breach_amount)
    if per_breach is not None and row.breached > 0:
        lines.append(CreditLine(PER_BREACH, row.priority, row.metric, row.breached, cents(per_breach * row.breached)))
    percent = terms.aql_miss_percent_of_period_value
    if percent is not None and row.passed is False:
        lines.append(CreditLine(AQL_MISSED, row.priority, row.metric, 1, cents(period_value * percent / _HUNDRED)))
    return lines


def service_credits(
    rows: Sequence[MetricCompliance], terms: CreditTerms, *, period_value: Decimal, currency: str
) -> ServiceCredits:
    """Apply ``terms`` to compliance ``rows`` (module rules); lines keep row order."""
    lines = tuple(line for row in rows for line in _lines(row, terms, period_value))
    total = sum((line.amount for line in lines), Decimal("0.00"))
    capped = False
    if terms.cap_percent_of_period_value is not None:
        cap = cents(period_value * terms.cap_percent_of_period_value / _HUNDRED)
        if total > cap:
            total, capped = cap, True
    return ServiceCredits(currency, period_value, lines, cents(total), capped)
