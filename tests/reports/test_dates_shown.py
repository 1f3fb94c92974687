"""Dates in reports read as the dates they were given."""

from __future__ import annotations

from datetime import UTC, datetime

from reports.render import environment


def test_an_in_service_date_in_a_report_is_the_utc_date_given_whatever_the_contracts_zone() -> None:
    template = environment().from_string("{{ d|utcday }}")
    assert template.render(d=datetime(2026, 2, 5, tzinfo=UTC)) == "2026-02-05"
    unit_history = (environment().loader.get_source(environment(), "unit_history.html")[0]  # type: ignore[union-attr]
                    if environment().loader else "")
    assert "in_service_at|utcday" in unit_history
