"""The demo world: loads through the real services, stays consistent, and is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from fleet import audit, demo
from fleet.principal import SYSTEM
from tests.builders import auth, make_key


def test_a_small_demo_world_loads_audited_and_gives_compliance_figures(client, session):
    made = demo.load(session, SYSTEM, now=datetime.now(UTC), scale=0.04)
    assert made["agencies"] == 3 and made["contracts"] == 5 and made["tickets"] > 50
    assert demo.demo_exists(session)
    check = audit.verify(session)
    assert check.ok, check.problems[:5]
    assert check.rows > made["status_events"] + made["tickets"]  # every table proved against the ledger
    token = make_key(session, "manager")
    contracts = client.get("/api/v1/contracts", headers=auth(token)).json()["items"]
    assert len(contracts) == 5
    today = datetime.now(UTC).date()
    body = client.get(f"/api/v1/contracts/{contracts[0]['id']}/compliance", headers=auth(token),
                      params={"from": today.replace(year=today.year - 1).isoformat(), "to": today.isoformat()}).json()
    assert body["tickets"] > 0
    assert sum(m["met"] for m in body["metrics"]) > 0


def test_the_demo_world_has_a_year_of_telemetry_that_gives_plausible_availability(client, session):
    now = datetime.now(UTC)
    made = demo.load(session, SYSTEM, now=now, scale=0.04)
    assert made["status_events"] > made["units"] * 300  # a daily heartbeat plus state changes, for a year
    token = make_key(session, "manager")
    contracts = client.get("/api/v1/contracts", headers=auth(token)).json()["items"]
    today = now.date()
    params = {"from": today.replace(year=today.year - 1).isoformat(), "to": today.isoformat()}
    for contract in contracts:
        body = client.get(f"/api/v1/contracts/{contract['id']}/availability", headers=auth(token),
                          params=params).json()
        assert body["failures"] > 0, contract["number"]
        assert 90 < body["availability_percent"] < 100, contract["number"]
        assert body["excluded_minutes"] > 0, contract["number"]  # the quarterly maintenance windows
        windows = client.get("/api/v1/maintenance-windows", headers=auth(token),
                             params={"contract_id": contract["id"]}).json()["items"]
        assert len(windows) >= 3


def test_the_demo_world_has_open_work_on_the_engineers_desks(client, session):
    demo.load(session, SYSTEM, now=datetime.now(UTC), scale=0.04)
    token = make_key(session, "engineer")
    at_risk = client.get("/api/v1/tickets", headers=auth(token), params={"at_risk": "true"}).json()["items"]
    assert len(at_risk) >= 2
    assert any(t["percent_used"] >= 100 for t in at_risk)  # one breached
    assert any(t["percent_used"] < 100 for t in at_risk)  # one still savable
    open_statuses = {t["status"] for status in ("open", "acknowledged", "on_site", "paused", "restored")
                     for t in client.get("/api/v1/tickets", headers=auth(token),
                                         params={"status": status, "limit": 500}).json()["items"]}
    assert {"open", "acknowledged", "paused"} <= open_statuses, open_statuses
