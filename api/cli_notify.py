"""``slatrack notify contacts add|list|remove``: the addresses notification rules name.

Registered by :mod:`api.cli` (``app.add_typer(notify_app, name="notify")``); the database is the
CLI's (imported when a command runs: :mod:`api.cli` imports this module).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from fleet import registry
from fleet.errors import DomainError
from fleet.principal import SYSTEM

notify_app = typer.Typer(no_args_is_help=True, help="Notifications: contacts that rules name.")
contacts_app = typer.Typer(no_args_is_help=True, help="E-mail contacts (engineer, manager, agency).")
notify_app.add_typer(contacts_app, name="contacts")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@contacts_app.command("add")
def contacts_add(
    email: Annotated[str, typer.Option(help="the address, like cor@agency.gov")],
    audience: Annotated[str, typer.Option(help="engineer, manager or agency")],
    name: Annotated[str | None, typer.Option(help="who it is (default: the address)")] = None,
    username: Annotated[str | None, typer.Option(help="the engineer's username (audience engineer)")] = None,
    agency: Annotated[str | None, typer.Option(help="the agency code (audience agency)")] = None,
) -> None:
    """Add a contact: rules that name its audience reach it from now on."""
    from api.cli import get_database
    from fleet.notify import contacts
    from fleet.schemas.notify import ContactIn

    try:
        with get_database().transaction() as s:
            agency_id = None
            if agency is not None:
                agency_id = registry.agency_id_by_code(s, agency)
                if agency_id is None:
                    _fail(f"no agency has the code {agency!r}")
            body = ContactIn(name=name or email, email=email, audience=audience,  # type: ignore[arg-type]
                             username=username, agency_id=agency_id)
            contact = contacts.create_contact(s, SYSTEM, body)
            line = f"added {contact.audience} contact {contact.id} <{contact.email}>"
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()))
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(line)


@contacts_app.command("list")
def contacts_list() -> None:
    """The live contacts, oldest first."""
    from api.cli import get_database
    from fleet.notify import contacts

    with get_database().transaction(write=False) as s:
        cursor: str | None = None
        while True:
            page = contacts.list_contacts(s, SYSTEM, limit=500, cursor=cursor)
            for c in page.items:
                who = c.username or c.agency_id or ""
                typer.echo(f"{c.id}  {c.audience:<8} {c.email:<40} {who}  {c.name}")
            if page.next_cursor is None:
                break
            cursor = page.next_cursor


@contacts_app.command("remove")
def contacts_remove(contact_id: str) -> None:
    """Remove a contact: no rule reaches it from now on."""
    from api.cli import get_database
    from fleet.notify import contacts

    try:
        with get_database().transaction() as s:
            contacts.delete_contact(s, SYSTEM, contact_id)
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(f"removed contact {contact_id}")
