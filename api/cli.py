"""The ``slatrack`` command line. Each command is one transaction (commit on success)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from api.cli_export import export_command
from api.demo_setup import AGENCY_VAR, DEMO_VENDOR, DemoKeys, demo_keys, slatrack_command, use_demo_vendor, vendor_hint
from api.settings import get_settings
from fleet import audit, dispatch, identity, unit_import
from fleet.db import Database, make_engine
from fleet.errors import DomainError
from fleet.principal import SYSTEM

app = typer.Typer(no_args_is_help=True, add_completion=False, help="slatrack: SLA tracking and auditable reports.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
users_app = typer.Typer(no_args_is_help=True, help="Web users.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit ledger.")
report_app = typer.Typer(no_args_is_help=True, help="Issue and verify PDF reports.")
for name, sub in [("db", db_app), ("keys", keys_app), ("users", users_app), ("import", import_app),
                  ("audit", audit_app), ("report", report_app)]:
    app.add_typer(sub, name=name)
app.command("export", no_args_is_help=True)(export_command)

F = TypeVar("F", bound=Callable[..., Any])
_database: Database | None = None


def get_database() -> Database:
    """The database the CLI works on (tests replace it with one bound to their transaction)."""
    global _database
    if _database is None:
        _database = Database(make_engine(get_settings().database_url, pool_size=2))
    return _database


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def domain_errors(fn: F) -> F:
    """Turn a domain error into one clear line on stderr and exit status 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            rows = [f"  row {d['row']}, column {d['column']}: {d['message']}" for d in exc.details if "row" in d]
            lines = [exc.message, *rows[:50]]
            fail("\n".join(lines))

    return wrapper  # type: ignore[return-value]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to SLATRACK_DATABASE_URL (default: the embedded SQLite file)."""
    from api.migrate import upgrade

    url = get_settings().database_url
    upgrade(url)
    typer.echo(f"database at head: {_redact(url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@keys_app.command("create")
@domain_errors
def keys_create(
    role: Annotated[str, typer.Option(help="admin, manager, engineer, agency or telemetry")],
    name: Annotated[str, typer.Option(help="who or what uses the key")],
    agency: Annotated[str | None, typer.Option(help="agency code (required for the agency role)")] = None,
) -> None:
    """Create an API key. The token is the last line of output and is shown only once."""
    with get_database().transaction() as s:
        key, token = identity.create_key(s, SYSTEM, role=role, name=name, agency_code=agency)
        key_id = key.id
    typer.echo(f"created {role} key {key_id} ({name}); store the token now, it is not shown again:")
    typer.echo(token)


@keys_app.command("revoke")
@domain_errors
def keys_revoke(key_id: str) -> None:
    """Revoke an API key (requests with it get 401 from now on)."""
    with get_database().transaction() as s:
        identity.revoke_key(s, SYSTEM, key_id)
    typer.echo(f"revoked key {key_id}")


@keys_app.command("list")
@domain_errors
def keys_list() -> None:
    """List API keys (never their tokens)."""
    with get_database().transaction(write=False) as s:
        for k in identity.list_keys(s, SYSTEM).items:
            state = "revoked" if k.revoked_at else "active"
            used = k.last_used_at.isoformat() if k.last_used_at else "never"
            typer.echo(f"{k.id}  {k.prefix}…  {k.role:<9} {state:<7} last used {used}  {k.name}")


@users_app.command("create")
@domain_errors
def users_create(
    role: Annotated[str, typer.Option(help="admin, manager, engineer or agency")],
    username: Annotated[str, typer.Option()],
    agency: Annotated[str | None, typer.Option(help="agency code (required for the agency role)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    team: Annotated[str | None, typer.Option(help="the engineer's team (dispatch: 'My work' shows its "
                                                  "unassigned tickets)")] = None,
) -> None:
    """Create a web user; the password comes from a prompt or --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with get_database().transaction() as s:
        user = identity.create_user(s, SYSTEM, role=role, username=username, password=password, agency_code=agency)
        user_id = user.id
        if team is not None:
            dispatch.set_team(s, SYSTEM, username=username, team=team)
    typer.echo(f"created {role} user {username} ({user_id})" + (f" in team {team.strip()}" if team else ""))


@users_app.command("team")
@domain_errors
def users_team(username: Annotated[str, typer.Option()], team: Annotated[str, typer.Option()]) -> None:
    """Move a user to a team (audited)."""
    with get_database().transaction() as s:
        dispatch.set_team(s, SYSTEM, username=username, team=team)
    typer.echo(f"{username} is in team {team.strip()}")


@users_app.command("disable")
@domain_errors
def users_disable(username: str) -> None:
    """Disable a web user: they cannot sign in, and every session of theirs ends now."""
    from fleet.db import utcnow

    with get_database().transaction() as s:
        identity.disable_user(s, SYSTEM, username, utcnow())
    typer.echo(f"disabled user {username}; their sessions are ended")


@import_app.command("units")
@domain_errors
def import_units(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    contract: Annotated[str, typer.Option(help="contract number the units serve")],
) -> None:
    """Import a fleet register CSV (serial, model, site, in_service_at[, notes]): all rows or none."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{file} is not UTF-8 text")
    with get_database().transaction() as s:
        units = unit_import.import_units(s, SYSTEM, contract, text)
        count = len(units)
    typer.echo(f"imported {count} units into contract {contract}")


def _verified(s: Any) -> audit.ChainCheck:
    """:func:`fleet.audit.verify` with a progress bar on stderr (ledger, then table by table)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage if stage != "ledger" else "ledger entries", total=total)
            bar.update(tasks[stage], completed=done, total=max(total or 0, done) or None)

        return audit.verify(s, progress=progress)


@audit_app.command("verify")
@domain_errors
def audit_verify(
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", dir_okay=False, help="also prove the ledger still extends this checkpoint "
                                             "(from `slatrack audit checkpoint`)")] = None,
) -> None:
    """Walk the audit chain and prove every audited table against it: exit 0 when the record is
    intact, 1 naming the first bad entry or row."""
    from reports import checkpoint as checkpoints

    with get_database().transaction(write=False) as s:
        check = _verified(s)
        if checkpoint is not None:
            cp, body = checkpoints.read(checkpoint)
            vouched = checkpoints.check_signature(checkpoint, cp, body, _trusted_cert())
            cut = checkpoints.check_ledger(s, cp)
    if not check.ok and check.first_bad_seq is not None:
        fail(f"audit chain broken at entry {check.first_bad_seq}: {check.problem}")
    if not check.ok:
        lines = [p.message() for p in check.problems[:20]]
        more = check.problem_count - len(lines)
        fail(f"the tables do not match the audit ledger ({check.problem_count} rows): " + "\n  ".join(
            ["", *lines, *([f"... and {more} more"] if more > 0 else [])]).lstrip("\n"))
    if checkpoint is not None:
        if cut is not None:
            fail(f"the ledger does not extend checkpoint {checkpoint}: {cut}")
        typer.echo(f"checkpoint {checkpoint} (entry {cp.seq}, {cp.created_at}): the ledger extends it; {vouched}")
    typer.echo(f"audit chain intact: {check.entries} entries, head {check.head}; {check.rows} rows match the ledger")


def _trusted_cert() -> bytes | None:
    certs = get_settings().trusted_certs()
    return certs[0] if certs else None


@audit_app.command("checkpoint")
@domain_errors
def audit_checkpoint(
    output: Annotated[Path | None, typer.Option("-o", "--output", dir_okay=False,
                                                help="where to write it (default audit-checkpoint-SEQ.json)")] = None,
    unsigned: Annotated[bool, typer.Option("--unsigned", help="write an unsigned checkpoint (marked so) when no "
                                                              "signing key is configured")] = False,
) -> None:
    """Write a signed checkpoint of the ledger head (sequence, hash, time) to keep outside the
    database; `audit verify --checkpoint FILE` proves the ledger still extends it. The ledger and
    tables are verified first: a record that does not verify is not anchored."""
    from fleet.db import utcnow
    from reports import checkpoint as checkpoints

    signer = get_settings().signer()
    if signer is None and not unsigned:
        fail("no signing key is configured (SLATRACK_SIGNING_KEY, SLATRACK_SIGNING_CERT): a checkpoint anyone "
             "could have written proves little. Configure one, or pass --unsigned to write one marked unsigned")
    with get_database().transaction(write=False) as s:
        check = _verified(s)
        if not check.ok:
            fail(f"the record does not verify, so it is not anchored: {check.problem}")
        body, signature = checkpoints.make(check.entries, check.head, utcnow(), signer)
    path = output or Path(f"audit-checkpoint-{check.entries}.json")
    written = checkpoints.write(path, body, signature, signer)
    state = "signed" if signature is not None else "UNSIGNED"
    typer.echo(f"{state} checkpoint of entry {check.entries} (head {check.head}): "
               + ", ".join(str(p) for p in written))


# --- reports ----------------------------------------------------------------------------------
FromOpt = Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD (the contract calendar's time zone)")]
ToOpt = Annotated[str, typer.Option("--to", help="day after the last, YYYY-MM-DD (exclusive)")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="the record as it stood then, ISO 8601 with offset "
                                                             "(default now)")]
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="where to write the PDF", dir_okay=False)]


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")
        raise  # pragma: no cover - fail() exits


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        fail(f"--as-of {text!r} is not an instant with a UTC offset (e.g. 2026-07-01T00:00:00Z)")
        raise AssertionError  # pragma: no cover - fail() exits
    return value


def _issue_report(request: Any, output: Path) -> None:
    """Gather → render → issue with a progress display, then write the PDF and say what it is."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from reports import gather

    settings = get_settings()
    labels = {"gather": "gathering the record", "render": "rendering the PDF (worker process)",
              "issue": "signing and registering" if settings.signer() else "registering"}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("checking the request", total=None)

        def step(name: str) -> None:
            bar.update(task, description=labels.get(name, name))

        db = get_database()
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

    with get_database().transaction(write=False) as s:
        contract_id = registry.get_contract_by_number(s, SYSTEM, contract).id
    _issue_report(ReportRequest(kind="contract_review", start_date=_day(from_, "--from"), end_date=_day(to, "--to"),
                                contract_id=contract_id, as_of=_instant(as_of)), output)


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
        with get_database().transaction(write=False) as s:
            ids = tuple(registry.get_contract_by_number(s, SYSTEM, number).id for number in contract)
    _issue_report(ReportRequest(kind="track_record", start_date=_day(from_, "--from"), end_date=_day(to, "--to"),
                                contract_ids=ids, as_of=_instant(as_of)), output)


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

    with get_database().transaction(write=False) as s:
        unit_id = registry.unit_id_by_serial(s, unit)
    if unit_id is None:
        raise NotFound(f"unit {unit} not found")
    _issue_report(ReportRequest(kind="unit_history", start_date=_day(from_, "--from"), end_date=_day(to, "--to"),
                                unit_id=unit_id, as_of=_instant(as_of)), output)


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
    settings = get_settings()
    with get_database().transaction(write=False) as s:
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


@app.command()
def demo(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="load the demo and exit")] = False,
    scale: Annotated[float, typer.Option(hidden=True, min=0.01, max=1.0,
                                         help="a smaller demo world (tests)")] = 1.0,
) -> None:
    """Migrate the embedded database, load the demo fleet once, print where things are, serve."""
    from rich.progress import Progress

    from api.migrate import upgrade
    from fleet import demo as demo_world
    from fleet.db import utcnow

    settings = use_demo_vendor(get_settings())
    upgrade(settings.database_url)
    db = get_database()
    with db.transaction() as s:
        present = demo_world.demo_exists(s)
    if present:
        typer.echo("demo data already loaded")
    else:
        with Progress() as bar, db.transaction() as s:
            task = bar.add_task("loading a year of demo history", total=None)

            def progress(_stage: str, done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            made = demo_world.load(s, SYSTEM, now=utcnow(), progress=progress, scale=scale)
        typer.echo(f"loaded {made['agencies']} agencies, {made['contracts']} contracts, {made['units']} units, "
                   f"{made['tickets']} tickets, {made['status_events']} status events")
    signing = _demo_signer(settings)
    with Progress() as bar:
        task = bar.add_task("writing sample reports", total=3)
        pdfs = write_demo_reports(db, settings.data_dir / "reports", signer=signing, vendor=settings.vendor_name,
                                  now=utcnow(), timeout_s=settings.report_timeout_seconds,
                                  memory_mb=settings.report_memory_mb,
                                  done=lambda: bar.advance(task))
    with db.transaction() as s:
        demo_world.add_web_users(s, SYSTEM)  # also for a demo database loaded before web users existed
        keys = demo_keys(s, settings.data_dir)
    _print_demo(settings, keys, pdfs, signing.cert_path, f"http://{host}:{port}")
    if not no_serve:
        serve(host=host, port=port, workers=1)


def _print_demo(settings: Any, keys: DemoKeys, pdfs: list[tuple[str, Path]], cert: Path, base: str) -> None:
    """Where everything is. The tokens are shown when they are made; later starts name the file
    that holds them (the curl lines read it), so the admin token is not in every start's log."""
    from fleet import demo as demo_world

    if keys.created:
        key_lines = (f"  admin key     {keys.admin}\n  agency key    {keys.agency}   (NAVFAC: sees only its own "
                     f"contracts)\n  keys kept in  {keys.path} (private; later starts reuse them)\n")
    else:
        key_lines = f"  API keys      in {keys.path} (admin, and agency NAVFAC); made on the first start\n"
    vendor = f"  vendor        {settings.vendor_name}"
    if settings.vendor_name == DEMO_VENDOR:
        vendor += " (a demo name: set SLATRACK_VENDOR_NAME to yours)"
    typer.echo(f"""
slatrack demo
  web pages     {base}/   sign in as:
""" + "".join(f"    {user:<9} password {password:<14}{_demo_login_note(role, agency)}\n"
              for user, password, role, agency in demo_world.WEB_USERS) + f"""  API docs      {base}/docs
  data dir      {settings.data_dir}
{key_lines}{vendor}
  signing cert  {cert}
sample reports (PDF/A-3b, signed; data attached):
""" + "".join(f"  {kind:<18}{path}\n" for kind, path in pdfs) + f"""
try:
  . {keys.path}
  curl -s -H "Authorization: Bearer ${AGENCY_VAR}" {base}/api/v1/contracts
  curl -s -H "Authorization: Bearer ${AGENCY_VAR}" {base}/api/v1/reports
  {slatrack_command()} report verify {pdfs[0][1]}
""")


def _demo_login_note(role: str, agency: str | None) -> str:
    extra = {"engineer": " (team Atlantic: My work)", "manager": " (the Dispatch board)"}
    return f"{role} ({agency}: sees only its own contracts)" if agency else role + extra.get(role, "")


def _demo_signer(settings: Any) -> Any:
    """The configured signing key, or a self-signed demo key in the data dir (made once), which
    every later process (CLI, served web pages and API) finds there and signs with too
    (:meth:`api.settings.Settings.signing_paths`)."""
    from api.settings import DEMO_SIGNING_DIR
    from reports.signing import make_demo_signing_key

    configured = settings.signer()
    if configured is not None:
        return configured
    make_demo_signing_key(settings.data_dir / DEMO_SIGNING_DIR)
    return settings.signer()


def write_demo_reports(db: Database, directory: Path, *, signer: Any, vendor: str, now: datetime,
                       timeout_s: float = 300, memory_mb: int = 3072,
                       done: Callable[[], None] | None = None) -> list[tuple[str, Path]]:
    """One sample PDF of each kind from the demo world, as of the moment its history was complete
    (the last fact recorded), so running the demo again answers the reports already issued: a
    contract review of the first contract over the last six full months, a unit history of its
    busiest unit over the same months, and a track record of every contract over the last twelve
    full months."""
    from fleet import demo as demo_world
    from fleet import registry
    from reports import gather

    with db.transaction(write=False) as s:
        as_of = demo_world.last_recorded_at(s) or now
    this_month = date(now.year, now.month, 1)

    def months_back(n: int) -> date:
        index = this_month.year * 12 + this_month.month - 1 - n
        return date(index // 12, index % 12 + 1, 1)

    with db.transaction(write=False) as s:
        contract = registry.get_contract_by_number(s, SYSTEM, demo_world.CONTRACTS[0].number)
        start = months_back(6)
        busiest = demo_world.busiest_unit(s, contract.id,
                                          datetime.combine(start, datetime.min.time(), tzinfo=now.tzinfo))
    requests = [
        ("contract review", gather.ReportRequest(kind="contract_review", start_date=start, end_date=this_month,
                                                 contract_id=contract.id, as_of=as_of)),
        ("track record", gather.ReportRequest(kind="track_record", start_date=months_back(12), end_date=this_month,
                                              as_of=as_of)),
    ]
    if busiest is not None:
        requests.append(("unit history", gather.ReportRequest(kind="unit_history", start_date=start,
                                                              end_date=this_month, unit_id=busiest, as_of=as_of)))
    written = []
    directory.mkdir(parents=True, exist_ok=True)
    for label, request in requests:
        with db.transaction(write=False) as read, db.transaction() as write:
            produced = gather.produce(read, write, SYSTEM, request, vendor=vendor, signer=signer,
                                      timeout_s=timeout_s, memory_mb=memory_mb, want_pdf=True)
        assert produced.pdf is not None
        path = directory / f"{request.kind.replace('_', '-')}-{produced.report.id[:8]}.pdf"
        path.write_bytes(produced.pdf)
        written.append((label, path))
        if done is not None:
            done()
    return written


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL for more than 1)")] = 1,
) -> None:
    """Serve the API and web pages."""
    import uvicorn

    hint = vendor_hint(get_settings())
    if hint:
        typer.echo(f"note: {hint}", err=True)

    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, proxy_headers=True,
                log_level=get_settings().log_level.lower(),
                access_log=False)  # slatrack.access logs each request once (with its request id)


def _quiet_library_noise() -> None:
    """What a user should not see on every command: pyHanko imports cryptography's DSA (which we
    never use) and that import warns; typer labels flags ``<bool>`` in ``--help``."""
    import warnings

    from typer.core import TyperOption

    warnings.filterwarnings("ignore", message="DSA is deprecated")
    shown = TyperOption.display_type_rich

    def no_type_for_flags(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    TyperOption.display_type_rich = no_type_for_flags  # type: ignore[method-assign]


def main() -> None:
    _quiet_library_noise()
    app()
