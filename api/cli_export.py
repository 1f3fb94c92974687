"""``slatrack export compliance|availability|tickets``: a contract's period as a CSV or XLSX file.

Registered on the app in :mod:`api.cli` (``app.command("export")(export_command)``); reads in
one read-only transaction as the operator (the ``system`` principal), as the report commands do.
The exports are imported when the command runs (the CLI starts without them, as for reports).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli_common import day, fail, instant
from fleet.errors import DomainError

if TYPE_CHECKING:
    from reports.exports import ExportFormat

Kind = Annotated[str, typer.Argument(help="compliance, availability or tickets", metavar="KIND", show_default=False)]


def _format(fmt: str | None, output: Path) -> ExportFormat:
    from reports.exports import EXPORT_FORMATS

    chosen = (fmt or output.suffix.lstrip(".") or "csv").lower()
    if chosen not in EXPORT_FORMATS:
        if fmt is None:
            return "csv"
        fail(f"--format {fmt!r}: choose csv or xlsx")
    return chosen  # type: ignore[return-value]


def export_command(
    kind: Kind,
    contract: Annotated[str, typer.Option(help="contract number")],
    from_: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (the contract calendar's time zone)")],
    to: Annotated[str, typer.Option("--to", help="day after the last, YYYY-MM-DD (exclusive)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the file", dir_okay=False)],
    as_of: Annotated[str | None, typer.Option("--as-of", help="the record as it stood then, ISO 8601 with "
                                                              "offset (default now)")] = None,
    at: Annotated[str | None, typer.Option("--at", help="read the clocks then (default: as of)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or xlsx (default: from the file name, "
                                                             "else csv)")] = None,
) -> None:
    """A contract's period as a spreadsheet: the same figures as the API's JSON answer."""
    from api.cli import get_database
    from fleet import registry
    from fleet.canonical import iso_utc
    from fleet.principal import SYSTEM
    from reports import exports

    if kind not in exports.EXPORT_KINDS:
        fail(f"no export {kind!r}: choose compliance, availability or tickets")
    chosen = _format(fmt, output)
    start, end = day(from_, "--from"), day(to, "--to")
    read_as_of, read_at = instant(as_of, "--as-of"), instant(at, "--at")
    try:
        with get_database().transaction(write=False) as s:
            contract_id = registry.get_contract_by_number(s, SYSTEM, contract).id
            file = exports.export(s, SYSTEM, kind, chosen, contract_id,  # type: ignore[arg-type]
                                  start_date=start, end_date=end, at=read_at, as_of=read_as_of)
    except DomainError as exc:
        fail(exc.message)
        raise  # pragma: no cover - fail() exits
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(file.content)
    typer.echo(f"{kind} of {contract} for {start.isoformat()} to {end.isoformat()} (exclusive), as of "
               f"{iso_utc(file.as_of)}, clocks at {iso_utc(file.at)}")
    typer.echo(f"written to {output} ({chosen.upper()}, {len(file.content):,} bytes)")
