"""``slatrack report contract-review|track-record|unit-history|verify``: issue a report to a PDF
file (gather, render, sign and register, with a progress display) and verify a copy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from api import cli
from api.cli_common import day, domain_errors, fail, instant
from fleet.principal import SYSTEM

report_app = typer.Typer(no_args_is_help=True, help="Issue and verify PDF reports.")


FromOpt = Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (the contract calendar's time zone)")]
ToOpt = Annotated[str, typer.Option("--to", help="day after the last, YYYY-MM-DD (exclusive)")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="the record as it stood then, ISO 8601 with offset "
                                                             "(default now)")]
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="where to write the PDF", dir_okay=False)]


def _issue_report(request: Any, output: Path) -> None:
    """Gather → render → issue with a progress display, then write the PDF and say what it is."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from reports import gather

    settings = cli.get_settings()
    labels = {"gather": "gathering the record", "render": "rendering the PDF (worker process)",
              "issue": "signing and registering" if settings.signer() else "registering"}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking the request", total=None)

        def step(name: str) -> None:
            bar.update(task, description=labels.get(name, name))

        db = cli.get_database()
        with db.transaction(write=False) as read, db.transaction() as write:
            produced = gather.produce(read, write, SYSTEM, request, vendor=settings.vendor_name,
                                      signer=settings.signer(), timeout_s=settings.report_timeout_seconds,
                                      memory_mb=settings.report_memory_mb, step=step, want_pdf=True)
    assert produced.pdf is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(produced.pdf)
    r = produced.report
    state = "issued" if produced.created else "already issued (same parameters and as-of)"
    typer.echo(f"{state}: report {r.id} ({r.kind}), {r.page_count} pages, {'signed' if r.signed else 'unsigned'}, "
               f"as of {r.as_of.isoformat().replace('+00:00', 'Z')}")
    typer.echo(f"  data SHA-256 {r.data_sha256}")
    typer.echo(f"  PDF SHA-256  {r.sha256}")
    typer.echo(f"written to {output}")


@report_app.command("contract-review")
@domain_errors
def report_contract_review(
    contract: Annotated[str, typer.Option(help="contract number")], from_: FromOpt, to: ToOpt, output: OutOpt,
    as_of: AsOfOpt = None,
) -> None:
    """One contract, one period: scorecard, compliance, availability, breaches, credits."""
    from fleet import registry
    from reports.gather import ReportRequest

    with cli.get_database().transaction(write=False) as s:
        contract_id = registry.get_contract_by_number(s, SYSTEM, contract).id
    _issue_report(ReportRequest(kind="contract_review", start_date=day(from_, "--from"), end_date=day(to, "--to"),
                                contract_id=contract_id, as_of=instant(as_of)), output)


@report_app.command("track-record")
@domain_errors
def report_track_record(
    from_: FromOpt, to: ToOpt, output: OutOpt,
    contract: Annotated[list[str] | None, typer.Option(help="contract number (repeat; default: every contract)")]
    = None,
    as_of: AsOfOpt = None,
) -> None:
    """Past performance across contracts, for a bid."""
    from fleet import registry
    from reports.gather import ReportRequest

    ids: tuple[str, ...] | None = None
    if contract:
        with cli.get_database().transaction(write=False) as s:
            ids = tuple(registry.get_contract_by_number(s, SYSTEM, number).id for number in contract)
    _issue_report(ReportRequest(kind="track_record", start_date=day(from_, "--from"), end_date=day(to, "--to"),
                                contract_ids=ids, as_of=instant(as_of)), output)


@report_app.command("unit-history")
@domain_errors
def report_unit_history(
    unit: Annotated[str, typer.Option(help="unit serial number")], from_: FromOpt, to: ToOpt, output: OutOpt,
    as_of: AsOfOpt = None,
) -> None:
    """One unit's tickets, work, parts and downtime."""
    from fleet import registry
    from fleet.errors import NotFound
    from reports.gather import ReportRequest

    with cli.get_database().transaction(write=False) as s:
        unit_id = registry.unit_id_by_serial(s, unit)
    if unit_id is None:
        raise NotFound(f"unit {unit} not found")
    _issue_report(ReportRequest(kind="unit_history", start_date=day(from_, "--from"), end_date=day(to, "--to"),
                                unit_id=unit_id, as_of=instant(as_of)), output)


@report_app.command("verify")
@domain_errors
def report_verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    extract_issued: Annotated[Path | None, typer.Option(
        help="write the issued revision found inside FILE (the report as issued) to this path")] = None,
) -> None:
    """Exit 0 when FILE is a report we issued and a reader sees exactly what we issued; 1 with
    the reasons (and what later revisions added) otherwise."""
    from reports.verify import verify_pdf

    pdf = file.read_bytes()
    settings = cli.get_settings()
    with cli.get_database().transaction(write=False) as s:
        result = verify_pdf(s, pdf, trusted_certs=settings.trusted_certs(), limits=settings.verify_limits())
    issued = result.issued_revision
    if issued is not None and extract_issued is not None:
        extract_issued.write_bytes(pdf[:issued.byte_length])
    lines = [f"  {r}" for r in result.reasons]
    lines += [f"  + {a.description}" for a in result.additions if a.visible or a.kind == "trailing_data"]
    if issued is not None and not result.valid:
        lines.append(f"  the issued report {issued.report_id} is the first {issued.byte_length} bytes of this file"
                     + (f": written to {extract_issued}" if extract_issued is not None
                        else " (extract it with --extract-issued PATH)"))
    if result.valid:
        typer.echo("\n".join([f"valid: report {result.report_id}", *lines]))
        return
    fail("\n".join([f"invalid ({result.status}): {file}", *lines]))
