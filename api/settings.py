"""Settings from the environment (prefix ``SLATRACK_``). Only ``api/`` reads the environment;
lower packages get values as parameters."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from fleet.notify.mail import MailSettings
    from reports.pdfcheck import VerifyLimits
    from reports.signing import SigningKey

# Where `slatrack demo` writes its self-signed key (reports.signing.make_demo_signing_key).
DEMO_SIGNING_DIR = "signing"
# Where notification e-mail is written as .eml files when no SMTP host is set (the mail folder page).
MAIL_DIR = "mail"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLATRACK_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="where the embedded DB, secret key and PDFs live")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = embedded SQLite in data_dir")
    secret_key: str = Field(default="", description="signs web sessions; generated into data_dir if empty")
    log_level: str = "INFO"
    db_pool_size: int = 10
    worker_threads: int = Field(default=2, ge=1, description="threads per worker process running request work "
                                "(database and computation). Python runs one thread of a process at a time (the "
                                "GIL), so each extra thread is one more request every other waits behind after "
                                "each database round trip: a write holding the audit chain's lock then holds it "
                                "that much longer, and every writer queues (bench/load.py: p99 230 ms with 8, "
                                "100 ms with 4, 28 ms with 2). For more concurrency run more worker processes")
    signing_key: Path | None = Field(default=None, description="PEM private key for PAdES signing; when neither "
                                     "it nor signing_cert is set, the key `slatrack demo` wrote into "
                                     "data_dir/signing is used if present")
    signing_cert: Path | None = Field(default=None, description="PEM certificate matching signing_key")
    verify_timeout_seconds: float = Field(default=30.0, gt=0, description="wall-clock budget for reading one "
                                          "uploaded PDF in POST /reports/verify (a worker process)")
    verify_memory_mb: int = Field(default=1536, gt=0, description="address-space limit of that worker process")
    max_body_bytes: int = 16 * 1024 * 1024
    max_upload_bytes: int = 128 * 1024 * 1024
    rate_limit_per_minute: int = Field(default=6000, description="requests per minute per API key and worker "
                                                                 "process (token bucket); 0 turns limiting off")
    secure_cookies: bool = Field(default=False, description="mark the web session cookie Secure: set it when "
                                                            "users reach slatrack over HTTPS (a reverse proxy)")
    signin_failures_per_user: int = Field(default=5, ge=0, description="failed sign-ins per username in a "
                                          "window before that username is refused until the window ends; 0: no limit")
    signin_failures_per_address: int = Field(default=30, ge=0, description="failed sign-ins per client address "
                                             "in a window before that address is refused; 0: no limit")
    signin_window_minutes: int = Field(default=15, ge=1, description="the sign-in throttle's window, from a "
                                       "key's first failure")
    session_idle_minutes: int = Field(default=120, ge=1, description="a web session ends after this long "
                                      "without a page view")
    session_max_hours: int = Field(default=12, ge=1, description="a web session ends this long after signing "
                                   "in, however busy")
    answer_cache_size: int = Field(default=256, description="closed-period contract figures (availability, "
                                   "compliance) kept per worker process until a write changes them "
                                   "(fleet/answers.py); 0 computes every answer")
    report_timeout_seconds: int = 300
    report_memory_mb: int = 3072
    report_concurrency: int = Field(default=1, ge=1, le=16, description="PDF renders at once per worker "
                                    "process; more wait their turn without holding a request thread")
    webhook_allowed_hosts: str = Field(default="", description="comma-separated host names and CIDR ranges "
                                       "webhooks may reach although they are not public addresses (loopback, "
                                       "private, link-local: refused otherwise, request forgery), e.g. "
                                       "receiver.internal,10.20.0.0/16,127.0.0.1")
    vendor_name: str = Field(default="Field service vendor",
                             description="the vendor named on reports as their author (SLATRACK_VENDOR_NAME)")

    smtp_host: str | None = Field(default=None, description="SMTP server for notification e-mail; none: each "
                                  "message is written as an .eml file into data_dir/mail (the mail folder page "
                                  "lists them)")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port (587 submission with STARTTLS, "
                           "465 implicit TLS, 25 plain)")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(default="starttls", description="how the SMTP "
                                                              "connection is protected: starttls, ssl, or none")
    smtp_username: str | None = Field(default=None, description="SMTP login; none: no authentication")
    smtp_password: str | None = Field(default=None, description="SMTP password (with smtp_username)")
    mail_from: str = Field(default="slatrack <noreply@localhost>", description="the From address of "
                           "notification e-mail")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, description="connect and reply timeout of one SMTP "
                                        "conversation")
    public_url: str = Field(default="http://127.0.0.1:8000", description="the address users reach slatrack at: "
                            "links in notifications start with it")
    embedded_worker: bool = Field(default=True, description="on the embedded SQLite database, `serve` and `demo` "
                                  "run the notification worker in a thread of the server (on PostgreSQL run "
                                  "`slatrack worker` processes instead)")
    worker_lease_seconds: int = Field(default=300, ge=1, le=86400, description="how long a worker holds the "
                                      "deliveries it claimed; a worker killed mid-batch leaves them to be sent "
                                      "again (same ids) after this")

    def mail_settings(self) -> MailSettings:
        """How notification e-mail leaves (:class:`fleet.notify.mail.MailSettings`)."""
        from fleet.notify.mail import MailSettings

        return MailSettings(host=self.smtp_host or None, port=self.smtp_port, security=self.smtp_security,
                            username=self.smtp_username or None, password=self.smtp_password,
                            sender=self.mail_from, folder=self.data_dir / MAIL_DIR,
                            timeout=self.smtp_timeout_seconds)

    def signing_paths(self) -> tuple[Path, Path] | None:
        """``(signing_key, signing_cert)`` as configured; when neither is set, the demo key in
        ``data_dir/signing`` if both its files exist (``slatrack demo`` makes it, and the CLI,
        the web pages and the API run in other processes that never saw the demo's environment:
        they all sign with it, and verify trusts it). None: no signing."""
        if self.signing_key is None and self.signing_cert is None:
            from reports.signing import DEMO_CERT_FILE, DEMO_KEY_FILE

            folder = self.data_dir / DEMO_SIGNING_DIR
            key, cert = folder / DEMO_KEY_FILE, folder / DEMO_CERT_FILE
            return (key, cert) if key.is_file() and cert.is_file() else None
        if self.signing_key is None or self.signing_cert is None:
            from fleet.errors import Unavailable

            raise Unavailable("report signing is half configured: set both SLATRACK_SIGNING_KEY and "
                              "SLATRACK_SIGNING_CERT, or neither", code="signing_misconfigured")
        return self.signing_key, self.signing_cert

    def signer(self) -> SigningKey | None:
        """The report signing key (see :meth:`signing_paths`), or None when there is none."""
        from reports.signing import SigningKey

        paths = self.signing_paths()
        if paths is None:
            return None
        return SigningKey(key_path=paths[0], cert_path=paths[1], signer_name=self.vendor_name)

    def trusted_certs(self) -> list[bytes]:
        """This server's signing certificate (verify names a later signature made with it as ours)."""
        try:
            paths = self.signing_paths()
        except Exception:  # half configured: signing fails loudly, verify just trusts nothing
            return []
        if paths is None or not paths[1].is_file():
            return []
        return [paths[1].read_bytes()]

    def verify_limits(self) -> VerifyLimits:
        from reports.pdfcheck import VerifyLimits

        return VerifyLimits(timeout_s=self.verify_timeout_seconds, memory_mb=self.verify_memory_mb)

    def resolved(self) -> Settings:
        """Fill the derived defaults: the embedded database URL and a persistent secret key."""
        data_dir = self.data_dir.resolve()
        url = self.database_url or f"sqlite:///{data_dir / 'slatrack.db'}"
        key = self.secret_key or _stored_secret(data_dir)
        return self.model_copy(update={"data_dir": data_dir, "database_url": url, "secret_key": key})


def _stored_secret(data_dir: Path) -> str:
    """The secret key kept in the data dir, created (mode 0600) on first run; never a default."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings().resolved()
