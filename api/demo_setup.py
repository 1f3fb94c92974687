"""What ``slatrack demo`` sets up around the demo world: a realistic vendor name, its API keys
(made once and kept in a private file, not printed on every start) and the command lines it
prints (runnable without activating the virtualenv)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from api.settings import Settings, get_settings
from fleet import identity
from fleet.principal import SYSTEM

DEMO_VENDOR = "Meridian Field Robotics"
KEYS_FILE = "demo-keys.env"
ADMIN_VAR, AGENCY_VAR = "SLATRACK_DEMO_ADMIN_KEY", "SLATRACK_DEMO_AGENCY_KEY"
VENDOR_HINT = ("reports name the vendor {vendor!r}; set SLATRACK_VENDOR_NAME to your company's name "
               "(e.g. export SLATRACK_VENDOR_NAME='Acme Robotics Ltd') before issuing reports")


def vendor_is_set(settings: Settings) -> bool:
    return "vendor_name" in settings.model_fields_set


def vendor_hint(settings: Settings) -> str | None:
    """A line telling how to name the vendor, when SLATRACK_VENDOR_NAME is unset."""
    return None if vendor_is_set(settings) else VENDOR_HINT.format(vendor=settings.vendor_name)


def use_demo_vendor(settings: Settings) -> Settings:
    """The demo's reports name a plausible vendor unless SLATRACK_VENDOR_NAME says otherwise (the
    environment, so the server the demo starts uses the same name)."""
    if vendor_is_set(settings):
        return settings
    os.environ["SLATRACK_VENDOR_NAME"] = DEMO_VENDOR
    get_settings.cache_clear()
    return get_settings()


@dataclass(frozen=True)
class DemoKeys:
    path: Path
    admin: str
    agency: str
    created: bool


def _read(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _active(session: Session, token: str | None) -> bool:
    return bool(token) and identity.principal_for_token(session, token or "") is not None


def demo_keys(session: Session, data_dir: Path) -> DemoKeys:
    """The demo's admin and agency keys: made on the first start and written to a 0600 file in
    the data dir; later starts reuse them (new ones only if that file is gone or its keys were
    revoked), so each start does not leave another admin key active."""
    path = data_dir / KEYS_FILE
    if path.is_file():
        kept = _read(path)
        admin, agency = kept.get(ADMIN_VAR, ""), kept.get(AGENCY_VAR, "")
        if _active(session, admin) and _active(session, agency):
            return DemoKeys(path, admin, agency, created=False)
    _, agency = identity.create_key(session, SYSTEM, role="agency", name="demo agency key", agency_code="NAVFAC")
    _, admin = identity.create_key(session, SYSTEM, role="admin", name="demo admin key")
    data_dir.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("# slatrack demo API keys, made by the first `slatrack demo`; keep this file private.\n"
                  "# Load them into a shell with:  . " + str(path) + "\n"
                  f"{ADMIN_VAR}={admin}\n{AGENCY_VAR}={agency}\n")
    return DemoKeys(path, admin, agency, created=True)


def slatrack_command() -> str:
    """How to run ``slatrack`` from any shell: the console script that is running, or the one
    installed beside this Python (a virtualenv that is not activated is not on PATH)."""
    running = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if running is not None and running.name == "slatrack" and running.exists():
        return str(running.resolve())
    beside = Path(sys.executable).parent / "slatrack"
    if beside.exists():
        return str(beside)
    return shutil.which("slatrack") or "slatrack"
