"""The ``slatrack`` command line. Each command is one transaction (commit on success).

The commands live by group: :mod:`api.cli_admin` (db, keys, users, import, audit),
:mod:`api.cli_reports` (report), :mod:`api.cli_demo` (demo), :mod:`api.cli_export` (export).
They reach the database and the settings through this module (:func:`get_database`,
``get_settings``), so a test replaces them here."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli_admin import audit_app, db_app, import_app, keys_app, users_app
from api.cli_demo import demo, write_demo_reports
from api.cli_export import export_command
from api.cli_notify import notify_app
from api.cli_reports import report_app
from api.cli_worker import worker_command
from api.demo_setup import vendor_hint
from api.settings import get_settings
from fleet.db import Database, make_engine

__all__ = ["app", "get_database", "get_settings", "main", "serve", "write_demo_reports"]

app = typer.Typer(no_args_is_help=True, add_completion=False, help="slatrack: SLA tracking and auditable reports.")
for name, sub in [("db", db_app), ("keys", keys_app), ("users", users_app), ("import", import_app),
                  ("audit", audit_app), ("report", report_app), ("notify", notify_app)]:
    app.add_typer(sub, name=name)
app.command("export", no_args_is_help=True)(export_command)
app.command("worker")(worker_command)
app.command()(demo)

_database: Database | None = None


def get_database() -> Database:
    """The database the CLI works on (tests replace it with one bound to their transaction)."""
    global _database
    if _database is None:
        _database = Database(make_engine(get_settings().database_url, pool_size=2))
    return _database


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes (PostgreSQL for more than 1)")] = 1,
) -> None:
    """Serve the API and web pages."""
    import uvicorn

    from api.cli_worker import start_embedded

    settings = get_settings()
    hint = vendor_hint(settings)
    if hint:
        typer.echo(f"note: {hint}", err=True)
    if workers == 1 and start_embedded(settings, get_database()) is not None:
        typer.echo("notification worker: running in this process (embedded SQLite)", err=True)
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
