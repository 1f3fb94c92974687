"""The ``slatrack`` command line. Each command is one transaction (commit on success)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from api.settings import get_settings
from fleet import audit, identity, unit_import
from fleet.db import Database, make_engine
from fleet.errors import DomainError
from fleet.principal import SYSTEM

app = typer.Typer(no_args_is_help=True, add_completion=False, help="slatrack: SLA tracking and auditable reports.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
users_app = typer.Typer(no_args_is_help=True, help="Web users.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit ledger.")
for name, sub in [("db", db_app), ("keys", keys_app), ("users", users_app), ("import", import_app),
                  ("audit", audit_app)]:
    app.add_typer(sub, name=name)

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
) -> None:
    """Create a web user; the password comes from a prompt or --password-stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with get_database().transaction() as s:
        user = identity.create_user(s, SYSTEM, role=role, username=username, password=password, agency_code=agency)
        user_id = user.id
    typer.echo(f"created {role} user {username} ({user_id})")


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


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain: exit 0 when intact, 1 naming the first bad entry."""
    with get_database().transaction(write=False) as s:
        check = audit.verify(s)
    if check.ok:
        typer.echo(f"audit chain intact: {check.entries} entries, head {check.head}")
        return
    fail(f"audit chain broken at entry {check.first_bad_seq}: {check.problem}")


@app.command()
def demo(
    port: Annotated[int, typer.Option()] = 8000,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    no_serve: Annotated[bool, typer.Option("--no-serve", help="load the demo and exit")] = False,
) -> None:
    """Migrate the embedded database, load the demo fleet once, print where things are, serve."""
    from rich.progress import Progress

    from api.migrate import upgrade
    from fleet import demo as demo_world
    from fleet.db import utcnow

    settings = get_settings()
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

            made = demo_world.load(s, SYSTEM, now=utcnow(), progress=progress)
        typer.echo(f"loaded {made['agencies']} agencies, {made['contracts']} contracts, {made['units']} units, "
                   f"{made['tickets']} tickets")
    with db.transaction() as s:
        _, token = identity.create_key(s, SYSTEM, role="agency", name="demo agency key", agency_code="NAVFAC")
        _, admin = identity.create_key(s, SYSTEM, role="admin", name="demo admin key")
    base = f"http://{host}:{port}"
    typer.echo(f"""
slatrack demo
  API docs      {base}/docs
  data dir      {settings.data_dir}
  admin key     {admin}
  agency key    {token}   (NAVFAC: sees only its own contracts)

try:
  curl -s -H "Authorization: Bearer {token}" {base}/api/v1/contracts
""")
    if not no_serve:
        serve(host=host, port=port, workers=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL for more than 1)")] = 1,
) -> None:
    """Serve the API and web pages."""
    import uvicorn

    uvicorn.run("api.asgi:app", host=host, port=port, workers=workers, proxy_headers=True,
                log_level=get_settings().log_level.lower())


def main() -> None:
    app()
