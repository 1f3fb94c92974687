"""Bulk import of a fleet register from CSV: all rows or none.

Columns (header row required, order free): ``serial, model, site, in_service_at`` and optional
``notes``; ``in_service_at`` is a date (``2026-02-05``, midnight UTC) or an instant with its offset.
Every problem is reported with its row number (the header is row 1) and column, and
nothing is written unless every row is good. Cell text is stored as given; a value that starts
with ``=``, ``+``, ``-`` or ``@`` is plain text here and is escaped wherever it is exported.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import registry
from fleet.errors import Invalid
from fleet.identifiers import identifier_key
from fleet.models import Unit
from fleet.principal import Principal
from fleet.schemas.registry import UnitIn

REQUIRED = ("serial", "model", "site", "in_service_at")
OPTIONAL = ("notes",)
MAX_ROWS = 50_000


def import_units(session: Session, principal: Principal, contract_number: str, text: str) -> list[Unit]:
    principal.require("registry.write")
    contract = registry.get_contract_by_number(session, principal, contract_number)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        parts = ([f"missing column(s): {', '.join(missing)}"] if missing else []) + (
            [f"unknown column(s): {', '.join(unknown)}"] if unknown else [])
        raise Invalid(f"row 1 (header): {'; '.join(parts)}", code="invalid_csv",
                      details=[{"row": 1, "column": c, "message": "missing"} for c in missing]
                      + [{"row": 1, "column": c, "message": "unknown"} for c in unknown])
    rows, errors = _parse_rows(reader, contract.id)
    errors += _duplicate_errors(session, rows)
    if errors:
        summary = "; ".join(f"row {e['row']}, column {e['column']}: {e['message']}" for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise Invalid(f"nothing imported: {summary}{more}", code="invalid_csv", details=errors)
    return [registry._add_unit(session, principal, contract, data) for _, data in rows]


def _parse_rows(reader: csv.DictReader[str], contract_id: str) -> tuple[list[tuple[int, UnitIn]], list[dict[str, Any]]]:
    rows: list[tuple[int, UnitIn]] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            errors.append({"row": index, "column": "", "message": f"more than {MAX_ROWS} rows"})
            break
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            errors.append({"row": index, "column": "", "message": "more cells than header columns"})
            continue
        try:
            data = UnitIn.model_validate({
                "contract_id": contract_id, "serial": values["serial"], "model": values["model"],
                "site": values["site"], "in_service_at": _day_or_instant(values["in_service_at"]),
                "notes": values.get("notes") or None})
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else ""
                errors.append({"row": index, "column": column, "message": err["msg"]})
            continue
        rows.append((index, data))
    return rows, errors


def _day_or_instant(text: str) -> str:
    """``2026-02-05`` (a plain date, as registers hold it) means midnight UTC; anything else is
    read as an instant (``2026-02-05T08:00:00-05:00``)."""
    try:
        return f"{date.fromisoformat(text).isoformat()}T00:00:00Z" if len(text) == 10 else text
    except ValueError:
        return text


def _duplicate_errors(session: Session, rows: list[tuple[int, UnitIn]]) -> list[dict[str, Any]]:
    """Serials that repeat an earlier row or a stored unit, ignoring case and width (their keys)."""
    errors: list[dict[str, Any]] = []
    first_row: dict[str, tuple[int, str]] = {}
    for index, data in rows:
        key = identifier_key(data.serial)
        if key in first_row:
            errors.append({"row": index, "column": "serial",
                           "message": f"serial {data.serial!r} repeats row {first_row[key][0]}"})
        first_row.setdefault(key, (index, data.serial))
    keys = list(first_row)
    existing: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        existing.update(session.execute(select(Unit.serial_key, Unit.serial)
                                        .where(Unit.serial_key.in_(keys[i:i + 500]))).tuples().all())
    errors += [{"row": first_row[k][0], "column": "serial",
                "message": f"a unit with serial {existing[k]!r} already exists"} for k in keys if k in existing]
    return sorted(errors, key=lambda e: (e["row"], e["column"]))
