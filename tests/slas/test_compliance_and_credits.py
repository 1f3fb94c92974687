"""Compliance (percent met vs AQL) and service credits, hand-computed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from slas import (
    AQL_MISSED,
    PER_BREACH,
    BusinessCalendar,
    CreditLine,
    CreditTerms,
    Event,
    MetricClock,
    MetricCompliance,
    Target,
    TicketSla,
    cents,
    compliance,
    evaluate,
    prorated_value,
    service_credits,
)

AT = datetime(2026, 4, 1, tzinfo=UTC)
D = Decimal


def clock(metric: str, state: str, target: int = 60) -> MetricClock:
    return MetricClock(metric, target, "24x7", timedelta(0), None, None, state, state == "breached", False,
                       timedelta(0))


def ticket(priority: str, *clocks: MetricClock) -> TicketSla:
    return TicketSla(priority, clocks, AT)


def many(priority: str, metric: str, **counts: int) -> list[TicketSla]:
    return [ticket(priority, clock(metric, state)) for state, n in counts.items() for _ in range(n)]


def row(**fields) -> MetricCompliance:
    base = dict(priority="P1", metric="response", target_minutes=60, total=0, met=0, breached=0, pending=0,
                not_applicable=0, percent_met=None, aql_percent=95.0, passed=None)
    return MetricCompliance(**{**base, **fields})


# --------------------------------------------------------------------------- compliance

@pytest.mark.parametrize(("counts", "aql", "expected"), [
    # counts → (total, met, breached, pending, n/a, percent_met, passed)
    pytest.param(dict(met=3, breached=1, running=1, paused=1, not_applicable=1), 75,
                 (7, 3, 1, 2, 1, 75.0, True), id="3-of-4-at-aql-75-passes"),
    pytest.param(dict(met=3, breached=1), 75.5, (4, 3, 1, 0, 0, 75.0, False), id="3-of-4-below-aql-75.5"),
    pytest.param(dict(met=19, breached=1), 95, (20, 19, 1, 0, 0, 95.0, True), id="19-of-20-exactly-95"),
    pytest.param(dict(met=19, breached=1), 95.0, (20, 19, 1, 0, 0, 95.0, True), id="19-of-20-float-aql"),
    pytest.param(dict(met=2, breached=1), 66.67, (3, 2, 1, 0, 0, 200 / 3, False), id="2-of-3-vs-66.67-fails"),
    pytest.param(dict(met=2, breached=1), 66.66, (3, 2, 1, 0, 0, 200 / 3, True), id="2-of-3-vs-66.66-passes"),
    pytest.param(dict(running=2, paused=1, not_applicable=4), 90, (7, 0, 0, 3, 4, None, None),
                 id="nothing-decided-none"),
    pytest.param(dict(breached=2, running=5), 0, (7, 0, 2, 5, 0, 0.0, True), id="all-breached-aql-0-passes"),
    pytest.param(dict(breached=2), 1, (2, 0, 2, 0, 0, 0.0, False), id="all-breached-fails"),
    pytest.param(dict(met=5, not_applicable=100), 100, (105, 5, 0, 0, 100, 100.0, True), id="na-not-counted"),
])
def test_compliance_counts(counts: dict[str, int], aql: float, expected: tuple) -> None:
    rows = compliance(many("P2", "restore", **counts), aql_percent=aql)
    assert len(rows) == 1
    r = rows[0]
    assert (r.priority, r.metric, r.target_minutes, r.aql_percent) == ("P2", "restore", 60, aql)
    assert (r.total, r.met, r.breached, r.pending, r.not_applicable, r.percent_met, r.passed) == expected


def test_compliance_rows_are_sorted_by_priority_then_metric() -> None:
    tickets = [
        ticket("P3", clock("resolve", "met"), clock("response", "met")),
        ticket("P1", clock("resolve", "breached"), clock("on_site", "not_applicable"), clock("response", "met")),
        ticket("P1", clock("restore", "running")),
    ]
    rows = compliance(reversed(tickets), aql_percent=90)
    assert [(r.priority, r.metric) for r in rows] == [
        ("P1", "response"), ("P1", "on_site"), ("P1", "restore"), ("P1", "resolve"),
        ("P3", "response"), ("P3", "resolve"),
    ]
    assert [r.passed for r in rows] == [True, None, None, False, True, True]


def test_compliance_target_minutes_none_when_tickets_had_different_targets() -> None:
    rows = compliance([ticket("P1", clock("response", "met", 60)), ticket("P1", clock("response", "met", 30))],
                      aql_percent=90)
    assert rows[0].target_minutes is None
    assert compliance([], aql_percent=90) == []


@pytest.mark.parametrize("aql", [-0.1, 100.5])
def test_compliance_refuses_an_aql_outside_0_100(aql: float) -> None:
    with pytest.raises(ValueError, match="aql_percent must be between 0 and 100"):
        compliance([], aql_percent=aql)


def test_compliance_from_evaluated_tickets_uses_the_current_priority() -> None:
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    ny_biz = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in weekdays})
    targets = [Target("P1", "response", 60, "24x7"), Target("P2", "response", 120, "calendar")]
    reported = datetime(2026, 3, 2, 14, tzinfo=UTC)  # Mon 09:00 EST

    def read(*events: Event) -> TicketSla:
        return evaluate(reported_at=reported, priority="P2", events=list(events), targets=targets,
                        calendar=ny_biz, at=AT, pause_allowed=True)

    def at(minutes: int) -> datetime:
        return reported + timedelta(minutes=minutes)

    tickets = [
        read(Event("acknowledged", at(30))),  # P2 met
        read(Event("acknowledged", at(150))),  # P2 breached
        read(Event("priority_changed", at(5), priority="P1"), Event("acknowledged", at(90))),  # P1 breached
        read(Event("priority_changed", at(5), priority="P1"), Event("acknowledged", at(45))),  # P1 met
        read(Event("priority_changed", at(5), priority="P1"), Event("acknowledged", at(50))),  # P1 met
    ]
    rows = compliance(tickets, aql_percent=60)
    assert [(r.priority, r.met, r.breached, r.percent_met, r.passed) for r in rows] == [
        ("P1", 2, 1, 200 / 3, True),
        ("P2", 1, 1, 50.0, False),
    ]


# --------------------------------------------------------------------------- credits

@pytest.mark.parametrize(("amount", "expected"), [
    pytest.param("0.005", "0.01", id="half-cent-up"),
    pytest.param("0.004", "0.00", id="below-half-down"),
    pytest.param("2.675", "2.68", id="2.675-up-not-bankers"),
    pytest.param("2.665", "2.67", id="2.665-up-not-bankers"),
    pytest.param("1.0049", "1.00", id="1.0049-down"),
    pytest.param("-0.005", "-0.01", id="negative-half-away-from-zero"),
    pytest.param("10", "10.00", id="whole"),
])
def test_cents(amount: str, expected: str) -> None:
    result = cents(D(amount))
    assert result == D(expected)
    assert str(result) == expected


PERIOD_VALUE = D("10000.00")
ROWS = [
    row(priority="P1", metric="response", met=7, breached=3, percent_met=70.0, passed=False),
    row(priority="P1", metric="restore", met=10, breached=0, percent_met=100.0, passed=True),
    row(priority="P2", metric="response", met=19, breached=1, percent_met=95.0, passed=True),
    row(priority="P3", metric="resolve", pending=4),
    row(priority="P4", metric="resolve", met=1, breached=1, percent_met=50.0, passed=False),
]


@pytest.mark.parametrize(("terms", "lines", "total", "capped"), [
    pytest.param(CreditTerms(), [], "0.00", False, id="no-terms-nothing-owed"),
    pytest.param(CreditTerms(per_breach_amount=D("250")),
                 [(PER_BREACH, "P1", "response", 3, "750.00"), (PER_BREACH, "P2", "response", 1, "250.00"),
                  (PER_BREACH, "P4", "resolve", 1, "250.00")], "1250.00", False, id="per-breach"),
    pytest.param(CreditTerms(per_breach_amount=D("250"), per_breach_by_priority={"P1": D("500")}),
                 [(PER_BREACH, "P1", "response", 3, "1500.00"), (PER_BREACH, "P2", "response", 1, "250.00"),
                  (PER_BREACH, "P4", "resolve", 1, "250.00")], "2000.00", False, id="per-breach-p1-override"),
    pytest.param(CreditTerms(per_breach_by_priority={"P1": D("100.005")}),
                 [(PER_BREACH, "P1", "response", 3, "300.02")], "300.02", False, id="per-breach-only-p1-rounded"),
    pytest.param(CreditTerms(aql_miss_percent_of_period_value=D("5")),
                 [(AQL_MISSED, "P1", "response", 1, "500.00"), (AQL_MISSED, "P4", "resolve", 1, "500.00")],
                 "1000.00", False, id="aql-miss-5pct-per-failed-row"),
    pytest.param(CreditTerms(per_breach_amount=D("250"), aql_miss_percent_of_period_value=D("5"),
                             cap_percent_of_period_value=D("10")),
                 [(PER_BREACH, "P1", "response", 3, "750.00"), (AQL_MISSED, "P1", "response", 1, "500.00"),
                  (PER_BREACH, "P2", "response", 1, "250.00"), (PER_BREACH, "P4", "resolve", 1, "250.00"),
                  (AQL_MISSED, "P4", "resolve", 1, "500.00")], "1000.00", True, id="capped-at-10pct"),
    pytest.param(CreditTerms(per_breach_amount=D("100"), cap_percent_of_period_value=D("5")),
                 [(PER_BREACH, "P1", "response", 3, "300.00"), (PER_BREACH, "P2", "response", 1, "100.00"),
                  (PER_BREACH, "P4", "resolve", 1, "100.00")], "500.00", False, id="exactly-at-cap-not-capped"),
    pytest.param(CreditTerms(aql_miss_percent_of_period_value=D("0.33333")),
                 [(AQL_MISSED, "P1", "response", 1, "33.33"), (AQL_MISSED, "P4", "resolve", 1, "33.33")],
                 "66.66", False, id="lines-rounded-then-summed"),
])
def test_service_credits(terms: CreditTerms, lines: list[tuple], total: str, capped: bool) -> None:
    result = service_credits(ROWS, terms, period_value=PERIOD_VALUE, currency="USD")
    assert result.lines == tuple(CreditLine(r, p, m, n, D(a)) for r, p, m, n, a in lines)
    assert (result.total, result.capped, result.currency, result.period_value) == (
        D(total), capped, "USD", PERIOD_VALUE)


def test_cap_is_rounded_to_cents() -> None:
    terms = CreditTerms(per_breach_amount=D("1000"), cap_percent_of_period_value=D("3.33335"))
    result = service_credits(ROWS[:1], terms, period_value=D("100.00"), currency="USD")
    assert (result.total, result.capped) == (D("3.33"), True)  # 100 × 3.33335% = 3.333335 → 3.33


@pytest.mark.parametrize("terms", [
    pytest.param(dict(per_breach_amount=D("-1")), id="negative-per-breach"),
    pytest.param(dict(per_breach_amount=250.0), id="float-per-breach"),
    pytest.param(dict(aql_miss_percent_of_period_value=D("-5")), id="negative-percent"),
    pytest.param(dict(cap_percent_of_period_value=10), id="int-cap"),
    pytest.param(dict(per_breach_by_priority={"P1": D("-1")}), id="negative-override"),
])
def test_credit_terms_validation(terms: dict) -> None:
    with pytest.raises(ValueError, match="must be a Decimal ≥ 0"):
        CreditTerms(**terms)


# --------------------------------------------------------------------------- prorated value

YEAR = (date(2026, 1, 1), date(2026, 12, 31))  # 365 days, end inclusive


@pytest.mark.parametrize(("value", "contract", "period", "expected"), [
    pytest.param("365000.00", YEAR, (date(2026, 3, 1), date(2026, 4, 1)), "31000.00", id="march-31-days"),
    pytest.param("365000.00", YEAR, (date(2026, 2, 1), date(2026, 3, 1)), "28000.00", id="february-28-days"),
    pytest.param("365000.00", YEAR, (date(2026, 1, 1), date(2027, 1, 1)), "365000.00", id="whole-year"),
    pytest.param("365000.00", YEAR, (date(2026, 12, 1), date(2027, 1, 1)), "31000.00", id="dec31-included"),
    pytest.param("365000.00", YEAR, (date(2026, 12, 15), date(2027, 2, 1)), "17000.00", id="period-past-end"),
    pytest.param("365000.00", YEAR, (date(2025, 12, 1), date(2026, 1, 11)), "10000.00", id="period-before-start"),
    pytest.param("365000.00", YEAR, (date(2026, 12, 31), date(2027, 1, 1)), "1000.00", id="last-day-only"),
    pytest.param("365000.00", YEAR, (date(2027, 1, 1), date(2027, 2, 1)), "0.00", id="after-contract"),
    pytest.param("365000.00", YEAR, (date(2025, 1, 1), date(2026, 1, 1)), "0.00", id="to-is-exclusive"),
    pytest.param("365000.00", YEAR, (date(2026, 3, 1), date(2026, 3, 1)), "0.00", id="empty-period"),
    pytest.param("100000.00", YEAR, (date(2026, 3, 1), date(2026, 3, 2)), "273.97", id="one-day-rounded"),
    pytest.param("100000.00", YEAR, (date(2026, 2, 1), date(2026, 3, 1)), "7671.23", id="feb-rounded"),
    pytest.param("1.00", (date(2026, 1, 1), date(2026, 1, 8)), (date(2026, 1, 1), date(2026, 1, 2)), "0.13",
                 id="0.125-rounds-half-up"),
    pytest.param("74000.00", (date(2026, 1, 1), date(2026, 3, 15)), (date(2026, 3, 1), date(2026, 4, 1)),
                 "15000.00", id="contract-ends-mar15-15-of-74-days"),
    pytest.param("500.00", (date(2026, 3, 10), date(2026, 3, 10)), (date(2026, 3, 1), date(2026, 4, 1)),
                 "500.00", id="one-day-contract"),
])
def test_prorated_value(value: str, contract: tuple[date, date], period: tuple[date, date], expected: str) -> None:
    assert prorated_value(D(value), *contract, *period) == D(expected)


def test_prorated_value_refuses_a_contract_ending_before_it_starts() -> None:
    with pytest.raises(ValueError, match="contract_end must not be before contract_start"):
        prorated_value(D("1"), date(2026, 2, 1), date(2026, 1, 31), date(2026, 1, 1), date(2026, 3, 1))
