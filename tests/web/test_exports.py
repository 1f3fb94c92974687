"""The contract page's download links (issue 16): each export of the month being viewed, as CSV and XLSX."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.exports_support import csv_agrees, mismatches, read_csv, read_xlsx, xlsx_agrees
from tests.api.test_exports import EXPECTED, SHEETS
from tests.builders import auth, make_key
from tests.web.conftest import World

LINK = re.compile(r'href="(/contracts/[^"]+/export/(\w+)\.(csv|xlsx)\?month=([0-9-]+))"')
KINDS = {"compliance", "availability", "tickets"}


def links(html: str) -> list[tuple[str, str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3), m.group(4)) for m in LINK.finditer(html)]


def test_the_contract_page_links_each_export_of_the_month_it_shows(manager: TestClient, world: World) -> None:
    html = manager.get(f"/contracts/{world.contract.id}", params={"month": "2026-03"}).text
    found = links(html)
    assert {(kind, fmt) for _, kind, fmt, _ in found} == {(k, f) for k in KINDS for f in ("csv", "xlsx")}
    assert {month for *_, month in found} == {"2026-03"}
    assert "Download March 2026" in html


def test_a_signed_in_manager_downloads_this_months_exports_with_the_apis_figures(
        manager: TestClient, world: World, session: Session, client: Any) -> None:
    month = datetime.now(UTC).strftime("%Y-%m")
    headers = auth(make_key(session, "manager"))
    session.commit()
    start = f"{month}-01"
    year, mon = int(month[:4]), int(month[5:])
    end = f"{year + (mon == 12)}-{mon % 12 + 1:02d}-01"
    for href, kind, fmt, _ in links(manager.get(f"/contracts/{world.contract.id}").text):
        r = manager.get(href)
        assert r.status_code == 200, r.text
        assert r.headers["content-disposition"].startswith(f'attachment; filename="{kind}_N-0001_{start}_')
        body = client.get(f"/api/v1/contracts/{world.contract.id}/{kind}", headers=headers,
                          params={"from": start, "to": end, "as_of": r.headers["x-as-of"]}).json()
        if kind == "tickets":
            assert [tk["summary"] for tk in body["tickets"]] == ["Crawler lost adhesion"]
            continue  # its clocks run on: the JSON read later says more minutes
        sheet = read_csv(r.content) if fmt == "csv" else read_xlsx(r.content, SHEETS[kind])[0]
        assert mismatches(EXPECTED[kind](body), sheet, csv_agrees if fmt == "csv" else xlsx_agrees) == []


def test_an_agency_user_downloads_its_own_contract_and_not_another_agencys(navy: TestClient, world: World) -> None:
    mine = navy.get(f"/contracts/{world.contract.id}/export/tickets.csv", params={"month": "2026-03"})
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/csv")
    theirs = navy.get(f"/contracts/{world.other_contract.id}/export/tickets.csv", params={"month": "2026-03"})
    assert theirs.status_code == 404 and "W-0002" not in theirs.text


def test_a_signed_out_visitor_is_sent_to_sign_in_and_a_bad_month_or_kind_is_refused(
        app: Any, manager: TestClient, world: World) -> None:
    with TestClient(app) as anonymous:
        r = anonymous.get(f"/contracts/{world.contract.id}/export/compliance.csv", follow_redirects=False)
        assert r.status_code == 303 and "/login" in r.headers["location"]
    bad_month = manager.get(f"/contracts/{world.contract.id}/export/compliance.csv", params={"month": "March"})
    assert bad_month.status_code == 422 and "is not like 2026-03" in bad_month.text
    assert manager.get(f"/contracts/{world.contract.id}/export/credits.csv").status_code == 422
    assert manager.get(f"/contracts/{world.contract.id}/export/compliance.ods").status_code == 422
