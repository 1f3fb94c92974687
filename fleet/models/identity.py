from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
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


class WebSession(Base):
    """A signed-in web session, kept on the server so signing out (or disabling the user) ends it
    for every copy of the cookie. ``id`` is the SHA-256 of the random token the cookie carries, so
    a database leak yields no usable session. Bookkeeping, not an audited record (see
    :mod:`fleet.websessions`)."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))


class SignInThrottle(Base):
    """Failed sign-ins counted per username or per client address in a fixed window (see
    :mod:`fleet.signin_throttle`); shared by every worker process because it is in the database."""

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of kind + value
    kind: Mapped[str] = mapped_column(String(8))  # "user" or "address"
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
