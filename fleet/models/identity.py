from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime
from fleet.models._common import CreatedMixin, IdMixin, key_column


class ApiKey(IdMixin, CreatedMixin, Base):
    """An API key. Only the SHA-256 of the token is stored; the token is shown once."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class User(IdMixin, CreatedMixin, Base):
    """A web user; the password is stored as an argon2 hash."""

    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(80), unique=True)
    username_key: Mapped[str] = key_column("username")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
