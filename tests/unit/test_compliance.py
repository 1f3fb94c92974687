"""Compliance tallies and service credits: hand-computed tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from slas import (
    AQL_MISSED,
    PER_BREACH,
    CreditLine,
    CreditTerms,
    MetricClock,
    MetricCompliance,
    TicketSla,
    cents,
    compliance,
    prorated_value,
    service_credits,
)

AT = datetime(2026, 4, 1, tzinfo=UTC)


def clock(metric: str, state: str, minutes: int = 60) -> MetricClock:
    breached = state == "breached"
    return MetricClock(metric, minutes, "24x7", timedelta(minutes=1), None, None, state, breached, False,  # type: ignore[arg-type]
                       timedelta(0))


def ticket(priority: str, *states: tuple[str, str], minutes: int = 60) -> TicketSla:
    return TicketSla(priority, tuple(clock(m, s, minutes) for m, s in states), AT)


def row(rows: list[MetricCompliance], priority: str, metric: str) -> MetricCompliance:
    return next(r for r in rows if (r.priority, r.metric) == (priority, metric))


# ----------------------------------------------------------------------------- compliance


def test_compliance_counts_and_verdicts() -> None:
    tickets = [
        ticket("P2", ("response", "met"), ("resolve", "running")),
        ticket("P1", ("response", "met"), ("on_site", "not_applicable"), ("resolve", "met")),
        ticket("P1", ("response", "breached"), ("on_site", "met"), ("resolve", "paused")),
        ticket("P1", ("response", "met"), ("on_site", "met"), ("resolve", "breached")),
        ticket("P1", ("response", "met"), ("on_site", "running"), ("resolve", "breached")),
    ]
    rows = compliance(tickets, aql_percent=75.0)
    assert [(r.priority, r.metric) for r in rows] == [
        ("P1", "response"), ("P1", "on_site"), ("P1", "resolve"), ("P2", "response"), ("P2", "resolve")]
    p1_response = row(rows, "P1", "response")
    assert (p1_response.total, p1_response.met, p1_response.breached, p1_response.pending) == (4, 3, 1, 0)
    assert (p1_response.percent_met, p1_response.passed, p1_response.aql_percent) == (75.0, True, 75.0)
    on_site = row(rows, "P1", "on_site")
    assert (on_site.total, on_site.met, on_site.pending, on_site.not_applicable) == (4, 2, 1, 1)
    assert (on_site.percent_met, on_site.passed) == (100.0, True)
    resolve = row(rows, "P1", "resolve")
    assert (resolve.met, resolve.breached, resolve.pending) == (1, 2, 1)
    assert resolve.percent_met == pytest.approx(100 / 3)
    assert resolve.passed is False
    p2 = row(rows, "P2", "resolve")
    assert (p2.total, p2.pending, p2.percent_met, p2.passed, p2.target_minutes) == (1, 1, None, None, 60)


def test_passed_is_decided_exactly() -> None:
    # 999 of 1000 met is 99.9 %: exactly the AQL, which floats could get wrong
    tickets = [ticket("P1", ("response", "met"))] * 999 + [ticket("P1", ("response", "breached"))]
    (r,) = compliance(tickets, aql_percent=99.9)
    assert r.passed is True and r.percent_met == pytest.approx(99.9)
    (r,) = compliance(tickets, aql_percent=99.91)
    assert r.passed is False


def test_mixed_targets_are_reported_as_none() -> None:
    rows = compliance([ticket("P1", ("response", "met"), minutes=60), ticket("P1", ("response", "met"), minutes=30)],
                      aql_percent=90)
    assert rows[0].target_minutes is None


def test_compliance_of_nothing_and_bad_aql() -> None:
    assert compliance([], aql_percent=95.0) == []
    with pytest.raises(ValueError, match="aql_percent"):
        compliance([], aql_percent=101)


def test_compliance_accepts_a_stream() -> None:
    rows = compliance((ticket("P3", ("restore", "met")) for _ in range(3)), aql_percent=100)
    assert rows == [MetricCompliance("P3", "restore", 60, 3, 3, 0, 0, 0, 100.0, 100, True)]


# ----------------------------------------------------------------------------- credits


def rows_for_credits() -> list[MetricCompliance]:
    return [
        MetricCompliance("P1", "response", 60, 10, 8, 2, 0, 0, 80.0, 95.0, False),
        MetricCompliance("P1", "resolve", 480, 10, 10, 0, 0, 0, 100.0, 95.0, True),
        MetricCompliance("P2", "response", 120, 5, 4, 1, 0, 0, 80.0, 95.0, False),
        MetricCompliance("P3", "response", 240, 2, 0, 0, 2, 0, None, 95.0, None),
    ]


CREDIT_CASES = [
    ("per breach only", CreditTerms(per_breach_amount=Decimal("250")), [
        CreditLine(PER_BREACH, "P1", "response", 2, Decimal("500.00")),
        CreditLine(PER_BREACH, "P2", "response", 1, Decimal("250.00")),
    ], Decimal("750.00"), False),
    ("percent on AQL miss", CreditTerms(aql_miss_percent_of_period_value=Decimal("2.5")), [
        CreditLine(AQL_MISSED, "P1", "response", 1, Decimal("308.33")),  # 2.5 % of 12,333.33 = 308.33325
        CreditLine(AQL_MISSED, "P2", "response", 1, Decimal("308.33")),
    ], Decimal("616.66"), False),
    ("both, capped", CreditTerms(per_breach_amount=Decimal("250"), aql_miss_percent_of_period_value=Decimal("2.5"),
                                 cap_percent_of_period_value=Decimal("10")), [
        CreditLine(PER_BREACH, "P1", "response", 2, Decimal("500.00")),
        CreditLine(AQL_MISSED, "P1", "response", 1, Decimal("308.33")),
        CreditLine(PER_BREACH, "P2", "response", 1, Decimal("250.00")),
        CreditLine(AQL_MISSED, "P2", "response", 1, Decimal("308.33")),
    ], Decimal("1233.33"), True),  # cap: 10 % of 12,333.33 = 1,233.333
    ("per priority amounts", CreditTerms(per_breach_amount=Decimal("100"),
                                         per_breach_by_priority={"P1": Decimal("333.335")}), [
        CreditLine(PER_BREACH, "P1", "response", 2, Decimal("666.67")),  # 666.670 half up
        CreditLine(PER_BREACH, "P2", "response", 1, Decimal("100.00")),
    ], Decimal("766.67"), False),
    ("no terms", CreditTerms(), [], Decimal("0.00"), False),
]


@pytest.mark.parametrize(("name", "terms", "lines", "total", "capped"), CREDIT_CASES, ids=[c[0] for c in CREDIT_CASES])
def test_service_credits(name: str, terms: CreditTerms, lines: list[CreditLine], total: Decimal,
                         capped: bool) -> None:
    owed = service_credits(rows_for_credits(), terms, period_value=Decimal("12333.33"), currency="USD")
    assert (list(owed.lines), owed.total, owed.capped, owed.currency) == (lines, total, capped, "USD")
    assert owed.period_value == Decimal("12333.33")
    assert str(owed.total) == str(total)  # always two decimals


def test_bad_credit_terms() -> None:
    with pytest.raises(ValueError, match="per_breach_amount"):
        CreditTerms(per_breach_amount=Decimal("-1"))
    with pytest.raises(ValueError, match="cap_percent_of_period_value"):
        CreditTerms(cap_percent_of_period_value=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="per_breach_by_priority"):
        CreditTerms(per_breach_by_priority={"P1": Decimal("-3")})


def test_cents_round_half_up() -> None:
    assert cents(Decimal("0.005")) == Decimal("0.01")
    assert cents(Decimal("2.675")) == Decimal("2.68")
    assert cents(Decimal("-0.005")) == Decimal("-0.01")


PRORATE = [
    # (name, value, contract start, contract end (inclusive), period from, period to (exclusive), expected)
    ("March of a 365-day contract", "365000", date(2026, 1, 1), date(2026, 12, 31), date(2026, 3, 1),
     date(2026, 4, 1), "31000.00"),
    ("whole contract", "365000", date(2026, 1, 1), date(2026, 12, 31), date(2025, 1, 1), date(2028, 1, 1),
     "365000.00"),
    ("last day counts (end inclusive)", "365000", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 31),
     date(2027, 1, 1), "1000.00"),
    ("period starting after the contract", "365000", date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1),
     date(2027, 2, 1), "0.00"),
    ("partial overlap at the start", "1000", date(2026, 3, 10), date(2026, 4, 8), date(2026, 3, 1),
     date(2026, 3, 20), "333.33"),  # 30-day contract, 10 days
    ("rounding half up", "100", date(2026, 1, 1), date(2026, 1, 8), date(2026, 1, 1), date(2026, 1, 2),
     "12.50"),
    ("one day of three", "100", date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 2), date(2026, 1, 3), "33.33"),
    ("two days of three", "100", date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 2), date(2026, 1, 4), "66.67"),
]


@pytest.mark.parametrize(("name", "value", "c_start", "c_end", "p_from", "p_to", "expected"), PRORATE,
                         ids=[p[0] for p in PRORATE])
def test_prorated_value(name: str, value: str, c_start: date, c_end: date, p_from: date, p_to: date,
                        expected: str) -> None:
    assert str(prorated_value(Decimal(value), c_start, c_end, p_from, p_to)) == expected


def test_prorated_value_refuses_an_inverted_contract() -> None:
    with pytest.raises(ValueError, match="contract_end"):
        prorated_value(Decimal(1), date(2026, 2, 1), date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 1))
