"""``slatrack db|keys|users|import|audit …``: the schema, API keys, web users, bulk imports and the
audit ledger. Each command is one transaction (commit on success)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api import cli
from api.cli_common import domain_errors, fail
from fleet import audit, dispatch, identity, unit_import
from fleet.principal import SYSTEM

db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
users_app = typer.Typer(no_args_is_help=True, help="Web users.")
import_app = typer.Typer(no_args_is_help=True, help="Bulk imports.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit ledger.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to SLATRACK_DATABASE_URL (default: the embedded SQLite file)."""
    from api.migrate import upgrade

    url = cli.get_settings().database_url
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
    with cli.get_database().transaction() as s:
        key, token = identity.create_key(s, SYSTEM, role=role, name=name, agency_code=agency)
        key_id = key.id
    typer.echo(f"created {role} key {key_id} ({name}); store the token now, it is not shown again:")
    typer.echo(token)


@keys_app.command("revoke")
@domain_errors
def keys_revoke(key_id: str) -> None:
    """Revoke an API key (requests with it get 401 from now on)."""
    with cli.get_database().transaction() as s:
        identity.revoke_key(s, SYSTEM, key_id)
    typer.echo(f"revoked key {key_id}")


@keys_app.command("list")
@domain_errors
def keys_list() -> None:
    """List API keys (never their tokens)."""
    with cli.get_database().transaction(write=False) as s:
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
    with cli.get_database().transaction() as s:
        user = identity.create_user(s, SYSTEM, role=role, username=username, password=password, agency_code=agency)
        user_id = user.id
        if team is not None:
            dispatch.set_team(s, SYSTEM, username=username, team=team)
    typer.echo(f"created {role} user {username} ({user_id})" + (f" in team {team.strip()}" if team else ""))


@users_app.command("team")
@domain_errors
def users_team(username: Annotated[str, typer.Option()], team: Annotated[str, typer.Option()]) -> None:
    """Move a user to a team (audited)."""
    with cli.get_database().transaction() as s:
        dispatch.set_team(s, SYSTEM, username=username, team=team)
    typer.echo(f"{username} is in team {team.strip()}")


@users_app.command("disable")
@domain_errors
def users_disable(username: str) -> None:
    """Disable a web user: they cannot sign in, and every session of theirs ends now."""
    from fleet.db import utcnow

    with cli.get_database().transaction() as s:
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
    with cli.get_database().transaction() as s:
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

    with cli.get_database().transaction(write=False) as s:
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
    certs = cli.get_settings().trusted_certs()
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

    signer = cli.get_settings().signer()
    if signer is None and not unsigned:
        fail("no signing key is configured (SLATRACK_SIGNING_KEY, SLATRACK_SIGNING_CERT): a checkpoint anyone "
             "could have written proves little. Configure one, or pass --unsigned to write one marked unsigned")
    with cli.get_database().transaction(write=False) as s:
        check = _verified(s)
        if not check.ok:
            fail(f"the record does not verify, so it is not anchored: {check.problem}")
        body, signature = checkpoints.make(check.entries, check.head, utcnow(), signer)
    path = output or Path(f"audit-checkpoint-{check.entries}.json")
    written = checkpoints.write(path, body, signature, signer)
    state = "signed" if signature is not None else "UNSIGNED"
    typer.echo(f"{state} checkpoint of entry {check.entries} (head {check.head}): "
               + ", ".join(str(p) for p in written))
