"""Settings from the environment (prefix ``SLATRACK_``). Only ``api/`` reads the environment;
lower packages get values as parameters."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLATRACK_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="where the embedded DB, secret key and PDFs live")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty = embedded SQLite in data_dir")
    secret_key: str = Field(default="", description="signs web sessions; generated into data_dir if empty")
    log_level: str = "INFO"
    db_pool_size: int = 10
    signing_key: Path | None = Field(default=None, description="PEM private key for PAdES signing")
    signing_cert: Path | None = Field(default=None, description="PEM certificate matching signing_key")
    max_body_bytes: int = 16 * 1024 * 1024
    rate_limit_per_minute: int = 6000
    report_timeout_seconds: int = 300
    report_memory_mb: int = 3072

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
