"""``slatrack demo``: migrate the embedded database, load the demo fleet once, write one sample
report of each kind, print where things are, and serve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api import cli, demo_notifications
from api.demo_setup import AGENCY_VAR, DEMO_VENDOR, DemoKeys, demo_keys, slatrack_command, use_demo_vendor
from fleet.db import Database
from fleet.principal import SYSTEM


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

    settings = use_demo_vendor(cli.get_settings())
    upgrade(settings.database_url)
    db = cli.get_database()
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
    settings = demo_notifications.allow_receiver(settings)
    receiver = demo_notifications.receiver_url(port)
    secret = demo_notifications.setup(settings, db, port)
    _print_demo(settings, keys, pdfs, signing.cert_path, f"http://{host}:{port}")
    typer.echo(f"  mail folder   {settings.data_dir / 'mail'} (the Mail page lists it)\n"
               f"  NAVFAC's webhook receiver  {receiver} (signed events, verified)\n")
    if not no_serve:
        demo_notifications.serve_receiver(settings, host, port, secret)
        cli.serve(host=host, port=port, workers=1)


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
