"""Exports (issue 16): compliance, availability and the period's tickets as CSV and XLSX, through
HTTP and the CLI, compared field by field with the JSON answers and the contract review's data."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pypdf
import pytest
from sqlalchemy.orm import Session

from fleet.db import utcnow
from fleet.models import Agency, Contract, Unit
from reports.sheets import XLSX_MEDIA_TYPE, Table, csv_cell, escape_text, to_csv, to_xlsx
from tests.api.exports_support import csv_agrees, mismatches, read_csv, read_xlsx, unescape, xlsx_agrees
from tests.builders import (
    add_event,
    add_statuses,
    assert_error,
    auth,
    make_agency,
    make_calendar,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_window,
    row_counts,
)

V1 = "/api/v1"
EVIL = '=HYPERLINK("http://evil")'
NEGATIVE = "-5 °C on the probe"


def t(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass
class World:
    agency: Agency
    contract: Contract
    other: Contract
    unit: Unit
    as_of: str
    manager: dict[str, str]
    agency_key: dict[str, str]

    def period(self, **extra: str) -> dict[str, str]:
        return {"from": "2026-03-01", "to": "2026-04-01", "as_of": self.as_of, **extra}


def build_world(session: Session) -> World:
    """March 2026 on a Chicago calendar: met, breached, paused, re-prioritised and open tickets,
    one reported on 31 March local time (1 April UTC) and one on 28 February local (1 March UTC)."""
    agency = make_agency(session, name="Naval Facilities")
    contract = make_contract(session, agency=agency, calendar=make_calendar(session, timezone="America/Chicago"),
                             service_credits={"per_breach_amount": "100.00", "aql_miss_percent": "1",
                                              "cap_percent": "5"})
    other = make_contract(session, agency=make_agency(session, name="Army Corps"))
    a1 = make_unit(session, contract=contract, serial="EXP-0001")
    a2 = make_unit(session, contract=contract, serial="EXP-0002")
    t1 = make_ticket(session, unit=a2, priority="P1", reported_at=t(5, 8), unit_down=True, summary="Tether breach")
    for kind, when in (("acknowledged", t(5, 8, 30)), ("restored", t(5, 9, 30)), ("resolved", t(5, 10)),
                       ("closed", t(5, 11))):
        add_event(session, t1, kind, when)
    t2 = make_ticket(session, unit=a1, priority="P1", reported_at=t(10, 10), summary="Drive motor failure")
    add_event(session, t2, "acknowledged", t(10, 11, 30))
    add_event(session, t2, "restored", t(10, 13))
    t3 = make_ticket(session, unit=a1, priority="P2", reported_at=t(11, 15), summary="Camera gimbal drifting")
    add_event(session, t3, "acknowledged", t(11, 16))
    add_event(session, t3, "paused", t(11, 16, 30), reason="Awaiting site access")
    add_event(session, t3, "resumed", t(12, 15))
    add_event(session, t3, "on_site", t(12, 16))
    add_event(session, t3, "resolved", t(12, 18))
    t4 = make_ticket(session, unit=a2, priority="P2", reported_at=t(20, 16), summary=EVIL)
    add_event(session, t4, "priority_changed", t(20, 17), priority="P1", reason="line stopped")
    make_ticket(session, unit=a1, priority="P2", reported_at=t(1, 3, month=4), summary=NEGATIVE)
    make_ticket(session, unit=a1, priority="P2", reported_at=t(1, 5, 30), summary="February, local time")
    make_ticket(session, unit=make_unit(session, contract=other), priority="P1", reported_at=t(3, 9),
                summary="Other agency's sensor fault")
    add_statuses(session, a1, [(t(10, 10), "down"), (t(10, 14), "up"), (t(25, 7, 15), "down"),
                               (t(25, 9, 40), "up")])
    make_window(session, contract=contract, starts_at=t(20, 0), ends_at=t(20, 2), reason="Quarterly service")
    session.flush()
    as_of = z(utcnow())
    return World(agency, contract, other, a1, as_of, auth(make_key(session, "manager")),
                 auth(make_key(session, "agency", agency=agency)))


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def get(client: Any, path: str, headers: dict[str, str], params: dict[str, str]) -> Any:
    r = client.get(f"{V1}{path}", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r


# --- what each export should say, from the JSON -----------------------------------------------
METRIC_FIELDS = ("priority", "metric", "target_minutes", "total", "met", "breached", "pending", "not_applicable",
                 "percent_met", "aql_percent", "passed")


def compliance_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    sc = body["service_credits"]
    lines = {(ln["reason"], ln["priority"], ln["metric"]): ln["amount"] for ln in sc["lines"]}
    rows = []
    for m in body["metrics"]:
        per_breach, aql = lines.get(("per_breach", m["priority"], m["metric"])), \
            lines.get(("aql_missed", m["priority"], m["metric"]))
        rows.append({**{k: m[k] for k in METRIC_FIELDS}, "credit_per_breach": per_breach,
                     "credit_aql_missed": aql, "currency": sc["currency"], "capped": None, "period_value": None,
                     "credits": str(sum((Decimal(a) for a in (per_breach, aql) if a), Decimal("0.00")))})

    def total(reason: str) -> str:
        return str(sum((Decimal(a) for k, a in lines.items() if k[0] == reason), Decimal("0.00")))

    rows.append({"priority": "all", "metric": "all", "target_minutes": None, "total": body["tickets"], "met": None,
                 "breached": None, "pending": None, "not_applicable": None, "percent_met": None,
                 "aql_percent": body["aql_percent"], "passed": body["passed"], "credit_per_breach": total("per_breach"),
                 "credit_aql_missed": total("aql_missed"), "credits": sc["total"], "currency": sc["currency"],
                 "capped": sc["capped"], "period_value": sc["period_value"]})
    return rows


FIGURES = ("availability_percent", "period_minutes", "downtime_minutes", "excluded_minutes", "uptime_minutes",
           "failures", "mtbf_hours", "mttr_hours")


def availability_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    fleet = {"scope": "fleet", "serial": None, "unit_id": None, "in_service_at": None,
             "target_percent": body["target_percent"], "passed": body["passed"], "definition": body["definition"],
             **{k: body[k] for k in FIGURES}}
    return [fleet, *({"scope": "unit", "serial": u["serial"], "unit_id": u["unit_id"],
                      "in_service_at": u["in_service_at"], "target_percent": None, "passed": None,
                      "definition": None, **{k: u[k] for k in FIGURES}} for u in body["units"])]


CLOCK = ("state", "target_minutes", "clock", "elapsed_minutes", "paused_minutes", "due_at", "stopped_at", "breached",
         "at_risk")


def ticket_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for tk in body["tickets"]:
        row = {"number": tk["number"], "ticket_id": tk["id"], **{k: tk[k] for k in (
            "unit_serial", "unit_id", "priority", "initial_priority", "status", "summary", "unit_down",
            "reported_at", "recorded_at", "policy_version")}}
        clocks = {m["metric"]: m for m in tk["metrics"]}
        for metric in ("response", "on_site", "restore", "resolve"):
            row.update({f"{metric}_{f}": clocks[metric][f] if metric in clocks else None for f in CLOCK})
        rows.append(row)
    return rows


EXPECTED = {"compliance": compliance_rows, "availability": availability_rows, "tickets": ticket_rows}
SHEETS = {"compliance": "Compliance", "availability": "Availability", "tickets": "Tickets"}


# --- the figures --------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["compliance", "availability", "tickets"])
@pytest.mark.parametrize("read_at", [False, True])
def test_each_export_agrees_with_its_json_answer_field_by_field(client, world: World, kind: str,
                                                                read_at: bool) -> None:
    params = world.period(**({"at": "2026-03-20T18:00:00Z"} if read_at else {}))
    path = f"/contracts/{world.contract.id}/{kind}"
    body = get(client, path, world.manager, params).json()
    expected = EXPECTED[kind](body)
    assert len(expected) > 1
    as_csv = get(client, f"{path}.csv", world.manager, params)
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_csv.headers["content-disposition"].startswith(f'attachment; filename="{kind}_')
    assert (as_csv.headers["x-as-of"], as_csv.headers["x-at"]) == (body["as_of"], body["at"])
    assert mismatches(expected, read_csv(as_csv.content), csv_agrees) == []
    as_xlsx = get(client, f"{path}.xlsx", world.manager, params)
    assert as_xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet, book = read_xlsx(as_xlsx.content, SHEETS[kind])
    assert mismatches(expected, sheet, xlsx_agrees) == []
    about = {row[0].value: row[1].value for row in book["About"].iter_rows(min_row=2)}
    assert about["export"] == kind and about["contract_id"] == body["contract_id"] == world.contract.id
    assert about["contract_number"] == world.contract.number and about["timezone"] == "America/Chicago"
    want_as_of = datetime.fromisoformat(body["as_of"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert abs(about["as_of (UTC)"] - want_as_of).total_seconds() < 0.001  # Excel keeps milliseconds


def test_the_ticket_list_holds_the_periods_tickets_in_the_contracts_time_zone(client, world: World) -> None:
    body = get(client, f"/contracts/{world.contract.id}/tickets", world.manager, world.period()).json()
    summaries = [tk["summary"] for tk in body["tickets"]]
    assert NEGATIVE in summaries  # 1 April 03:00 UTC is 31 March in Chicago
    assert "February, local time" not in summaries  # 1 March 05:30 UTC is 28 February in Chicago
    assert "Other agency's sensor fault" not in summaries
    compliance = get(client, f"/contracts/{world.contract.id}/compliance", world.manager, world.period()).json()
    assert len(body["tickets"]) == compliance["tickets"] == 5
    for tk in body["tickets"]:  # each ticket's clocks are the ones its own SLA answer gives
        sla = get(client, f"/tickets/{tk['id']}/sla", world.manager, {"as_of": world.as_of}).json()
        assert (tk["metrics"], tk["priority"], tk["policy_version"]) == (
            sla["metrics"], sla["priority"], sla["policy_version"])
    by_summary = {tk["summary"]: tk for tk in body["tickets"]}
    assert by_summary[EVIL]["priority"] == "P1" and by_summary[EVIL]["initial_priority"] == "P2"
    assert by_summary["Tether breach"]["status"] == "closed"
    assert by_summary["Drive motor failure"]["status"] == "restored"


def test_the_exports_agree_with_the_contract_reviews_report_data(client, world: World) -> None:
    """The compliance rows and the ticket list say what the PDF's report-data.json says for the
    same period and as_of (percentages: the report keeps 6 decimals, rounded down)."""
    r = client.post(f"{V1}/reports", headers=world.manager, json={
        "kind": "contract_review", "contract_id": world.contract.id, **world.period()})
    assert r.status_code == 201, r.text
    pdf = client.get(f"{V1}/reports/{r.json()['id']}/pdf", headers=world.manager).content
    data = json.loads(pypdf.PdfReader(io.BytesIO(pdf)).attachments["report-data.json"][0])
    path = f"/contracts/{world.contract.id}"
    rows = read_csv(get(client, f"{path}/compliance.csv", world.manager, world.period()).content).rows
    assert [(c["priority"], c["metric"]) for c in rows[:-1]] == [(c["priority"], c["metric"])
                                                                for c in data["compliance"]]
    for got, want in zip(rows, data["compliance"], strict=False):
        for name in ("total", "met", "breached", "pending", "not_applicable", "target_minutes"):
            assert got[name] == ("" if want[name] is None else str(want[name])), name
        assert got["passed"] == {True: "true", False: "false", None: ""}[want["passed"]]
        assert Decimal(got["aql_percent"]) == Decimal(want["aql_percent"])
        if want["percent_met"] is None:
            assert got["percent_met"] == ""
        else:
            assert Decimal(got["percent_met"]).quantize(Decimal("0.000001"), ROUND_DOWN) == \
                Decimal(want["percent_met"])
    assert Decimal(rows[-1]["credits"]) == Decimal(data["credits"]["total"])
    assert int(rows[-1]["total"]) == len(data["tickets"])
    tickets = read_csv(get(client, f"{path}/tickets.csv", world.manager, world.period()).content).rows
    assert [(tk["ticket_id"], tk["status"], tk["priority"]) for tk in tickets] == [
        (tk["id"], tk["status"], tk["priority"]) for tk in data["tickets"]]
    for got, want in zip(tickets, data["tickets"], strict=True):
        for outcome in want["outcomes"]:
            m = outcome["metric"]
            assert got[f"{m}_state"] == outcome["state"]
            # the JSON's clocks round minutes to 2 decimals, the report keeps 6 (rounded up)
            assert abs(Decimal(got[f"{m}_elapsed_minutes"]) - Decimal(outcome["elapsed_minutes"])) <= \
                Decimal("0.005")


# --- formula injection and cell types -----------------------------------------------------------
def test_a_summary_that_is_a_formula_is_text_in_the_csv_and_the_xlsx(client, world: World) -> None:
    path = f"/contracts/{world.contract.id}/tickets"
    csv_rows = read_csv(get(client, f"{path}.csv", world.manager, world.period()).content).rows
    cells = {unescape(r["summary"]): r["summary"] for r in csv_rows}
    assert cells[EVIL] == "'" + EVIL  # a spreadsheet shows it as text; it never runs
    assert cells[NEGATIVE] == "'" + NEGATIVE
    assert cells["Tether breach"] == "Tether breach"
    assert not any(r["summary"][:1] in "=+-@\t\r" for r in csv_rows)
    sheet, _ = read_xlsx(get(client, f"{path}.xlsx", world.manager, world.period()).content, "Tickets")
    evil = next(r["summary"] for r in sheet.rows if r["summary"].value == EVIL)
    assert evil.data_type == "s" and evil.hyperlink is None  # a text cell: no formula, no link


def test_csv_cells_escape_text_only_so_negative_numbers_stay_numbers() -> None:
    table = Table("T", ("text", "int", "float", "money", "flag", "when"), [
        [EVIL, -3, -2.5, Decimal("-1.50"), False, t(1, 12)],
        ["+1 555 0100", 0, 1e-3, Decimal("0.00"), True, None],
        ["@SUM(A1)", 7, 66.66666666666667, Decimal("12.30"), None, None],
        ["\tTAB", 1, 2.0, None, None, None], ["\rCR", 1, 2.0, None, None, None],
        ["'quoted", 1, 2.0, None, None, None], ["ＮＯ＝", 1, 2.0, None, None, None],
        ["＝1+1", 1, 2.0, None, None, None]])
    rows = read_csv(to_csv(table)).rows
    assert [r["text"] for r in rows] == ["'" + EVIL, "'+1 555 0100", "'@SUM(A1)", "'\tTAB", "'\rCR", "''quoted",
                                         "ＮＯ＝", "'＝1+1"]
    assert [unescape(r["text"]) for r in rows] == [row[0] for row in table.rows]
    assert (rows[0]["int"], rows[0]["float"], rows[0]["money"]) == ("-3", "-2.5", "-1.50")
    assert (rows[1]["float"], rows[2]["float"]) == ("0.001", "66.66666666666667")
    assert (rows[0]["flag"], rows[1]["flag"], rows[2]["flag"]) == ("false", "true", "")
    assert rows[0]["when"] == "2026-03-01T12:00:00Z"
    assert csv_cell(-7) == "-7" and escape_text("-7") == "'-7"  # the same characters: number vs text


def test_an_xlsx_export_has_typed_cells_a_frozen_header_a_filter_and_widths(client, world: World) -> None:
    import openpyxl

    path = f"/contracts/{world.contract.id}/tickets.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(get(client, path, world.manager, world.period()).content))
    ws = book["Tickets"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws[1]]
    assert header[:3] == ["number", "ticket_id", "unit_serial"] and all(c.font.b for c in ws[1])
    col = {name: i for i, name in enumerate(header)}
    first = next(iter(ws.iter_rows(min_row=2, max_row=2)))
    assert isinstance(first[col["reported_at"]].value, datetime) and first[col["reported_at"]].is_date
    assert isinstance(first[col["unit_down"]].value, bool) and first[col["unit_down"]].data_type == "b"
    assert isinstance(first[col["policy_version"]].value, int)
    assert isinstance(first[col["response_elapsed_minutes"]].value, int | float)
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), "no formulas anywhere"
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths and all(8 <= w <= 62 for w in widths.values())
    money = openpyxl.load_workbook(io.BytesIO(get(client, f"/contracts/{world.contract.id}/compliance.xlsx",
                                                  world.manager, world.period()).content))["Compliance"]
    credits = next(r for r in money.iter_rows(min_row=2) if r[0].value == "all")[13]
    assert credits.data_type == "n" and credits.number_format == "#,##0.00"
    assert book["About"]["A1"].value == "field"


def test_an_empty_period_exports_a_header_and_the_closing_row(client, world: World) -> None:
    params = {"from": "2026-06-01", "to": "2026-06-02", "as_of": world.as_of}
    rows = read_csv(get(client, f"/contracts/{world.contract.id}/compliance.csv", world.manager, params).content).rows
    assert [(r["priority"], r["total"], r["credits"]) for r in rows] == [("all", "0", "0.00")]
    tickets = get(client, f"/contracts/{world.contract.id}/tickets.xlsx", world.manager, params)
    sheet, _ = read_xlsx(tickets.content, "Tickets")
    assert sheet.rows == [] and sheet.header[0] == "number"
    assert to_xlsx(Table("Empty", ("a",), [])).startswith(b"PK")


# --- who may export, and bad input --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["compliance", "availability", "tickets"])
def test_an_agency_exports_its_own_contract_and_another_agencys_is_not_found(client, world: World,
                                                                             kind: str) -> None:
    mine = get(client, f"/contracts/{world.contract.id}/{kind}.csv", world.agency_key, world.period())
    assert mine.content == get(client, f"/contracts/{world.contract.id}/{kind}.csv", world.manager,
                               world.period()).content
    for fmt in ("csv", "xlsx"):
        theirs = client.get(f"{V1}/contracts/{world.other.id}/{kind}.{fmt}", headers=world.agency_key,
                            params=world.period())
        missing = client.get(f"{V1}/contracts/00000000-0000-7000-8000-000000000000/{kind}.{fmt}",
                             headers=world.agency_key, params=world.period())
        assert assert_error(theirs, 404, "not_found")["message"].replace(world.other.id, "X") == \
            assert_error(missing, 404, "not_found")["message"].replace("00000000-0000-7000-8000-000000000000", "X")
    assert client.get(f"{V1}/contracts/{world.contract.id}/{kind}.csv", params=world.period()).status_code == 401


@pytest.mark.parametrize(("suffix", "params", "status", "code"), [
    ("csv", {"from": "2026-04-01", "to": "2026-03-01"}, 422, "invalid_period"),
    ("xlsx", {"from": "2026-03-01", "to": "2026-03-01"}, 422, "invalid_period"),
    ("csv", {"from": "2026-03-01"}, 422, "validation_error"),
    ("csv", {"from": "March", "to": "2026-04-01"}, 422, "validation_error"),
    ("csv", {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-03-05"}, 422, "validation_error"),
    ("csv", {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2199-01-01T00:00:00Z"}, 422, "as_of_in_future"),
    ("pdf", {"from": "2026-03-01", "to": "2026-04-01"}, 422, "validation_error"),
    ("CSV", {"from": "2026-03-01", "to": "2026-04-01"}, 422, "validation_error"),
])
def test_bad_export_requests_get_the_error_shape_and_change_nothing(client, session, world: World, suffix: str,
                                                                    params: dict[str, str], status: int,
                                                                    code: str) -> None:
    before = row_counts(session)
    for kind in ("compliance", "tickets") if code == "as_of_in_future" else ("compliance", "availability", "tickets"):
        r = client.get(f"{V1}/contracts/{world.contract.id}/{kind}.{suffix}", headers=world.manager, params=params)
        assert_error(r, status, code)
    assert row_counts(session) == before


def test_without_instants_an_export_reads_the_same_answer_as_the_json(client, world: World) -> None:
    """Neither instant given: both read the record as it stands now (through the same answer
    cache), so for a period that is over they give the same figures."""
    params = {"from": "2026-03-01", "to": "2026-04-01"}
    for kind in ("availability", "compliance"):
        body = get(client, f"/contracts/{world.contract.id}/{kind}", world.manager, params).json()
        export = get(client, f"/contracts/{world.contract.id}/{kind}.csv", world.manager, params)
        assert export.headers["x-as-of"] >= body["as_of"]
        assert mismatches(EXPECTED[kind](body), read_csv(export.content), csv_agrees) == []


# --- the command line ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["compliance", "availability", "tickets"])
def test_the_cli_writes_the_same_export_as_the_api(cli, client, world: World, tmp_path, kind: str) -> None:
    out = tmp_path / f"{kind}.csv"
    result = cli("export", kind, "--contract", world.contract.number.lower(), "--from", "2026-03-01", "--to",
                 "2026-04-01", "--as-of", world.as_of, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"written to {out}" in result.output and world.as_of in result.output
    api = get(client, f"/contracts/{world.contract.id}/{kind}.csv", world.manager, world.period())
    assert out.read_bytes() == api.content
    xlsx = tmp_path / "export.bin"
    result = cli("export", kind, "--contract", world.contract.number, "--from", "2026-03-01", "--to", "2026-04-01",
                 "--as-of", world.as_of, "--at", "2026-03-20T18:00:00Z", "--format", "xlsx", "-o", str(xlsx))
    assert result.exit_code == 0, result.output
    body = get(client, f"/contracts/{world.contract.id}/{kind}", world.manager,
               world.period(at="2026-03-20T18:00:00Z")).json()
    sheet, _ = read_xlsx(xlsx.read_bytes(), SHEETS[kind])
    assert mismatches(EXPECTED[kind](body), sheet, xlsx_agrees) == []


@pytest.mark.parametrize(("args", "message"), [
    (["export", "credits"], "no export 'credits'"),
    (["export", "compliance", "--contract", "NO-SUCH"], "contract NO-SUCH not found"),
    (["export", "compliance", "--from", "2026-04-01", "--to", "2026-03-01"], "to must be after from"),
    (["export", "compliance", "--from", "1 March"], "is not a date"),
    (["export", "compliance", "--as-of", "2026-03-05"], "is not an instant with a UTC offset"),
    (["export", "compliance", "--format", "ods"], "choose csv or xlsx"),
])
def test_the_cli_refuses_bad_input_with_one_line_and_writes_nothing(cli, world: World, tmp_path, args: list[str],
                                                                    message: str) -> None:
    out = tmp_path / "out.csv"
    defaults = {"--contract": world.contract.number, "--from": "2026-03-01", "--to": "2026-04-01"}
    full = list(args)
    for option, value in defaults.items():
        if option not in full:
            full += [option, value]
    result = cli(*full, "-o", str(out))
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert not out.exists()
