"""API keys and web users.

Keys are random (``slt_`` + 256 bits), shown once; only their SHA-256 is stored, so a database
leak yields no usable key. ``last_used_at`` is bookkeeping, not a business fact: it is updated at
most once a minute and not audited. Passwords are argon2id hashes.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleet import audit, websessions
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid, NotFound
from fleet.identifiers import identifier_key, normalize_identifier, text_problem
from fleet.models import Agency, ApiKey, User
from fleet.pagination import Page, paginate
from fleet.principal import ROLES, Principal, Role

TOKEN_PREFIX = "slt_"
_hasher = PasswordHasher()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _resolve_agency(session: Session, role: str, agency_code: str | None) -> str | None:
    if role not in ROLES:
        raise Invalid(f"unknown role {role!r}; choose one of {', '.join(ROLES)}", code="invalid_role")
    if role == "agency" and not agency_code:
        raise Invalid("the agency role needs an agency (--agency CODE)", code="agency_required")
    if role not in ("agency", "telemetry") and agency_code:
        raise Invalid(f"the {role} role is not tied to an agency; drop --agency", code="invalid_agency")
    if agency_code is None:
        return None
    agency_id = session.scalar(select(Agency.id).where(Agency.code_key == identifier_key(agency_code)))
    if agency_id is None:
        raise NotFound(f"agency {agency_code} not found")
    return agency_id


def create_key(session: Session, principal: Principal, *, role: str, name: str,
               agency_code: str | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the token (the only time the token exists in clear)."""
    principal.require("identity.manage")
    agency_id = _resolve_agency(session, role, agency_code)
    if not 1 <= len(name.strip()) <= KEY_NAME_MAX or text_problem(name):
        raise Invalid(f"name: give 1 to {KEY_NAME_MAX} characters of text, without control characters",
                      code="invalid_name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role, agency_id=agency_id, prefix=token[:12], token_hash=_token_hash(token))
    session.add(key)
    session.flush()
    audit.record(session, principal, action="api_key.create", entity_type="api_key", entity_id=key.id,
                 agency_id=agency_id, after=audit.snapshot(key), rows=[key])
    return key, token


def revoke_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    principal.require("identity.manage")
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"api key {key_id} not found")
    if key.revoked_at is None:
        before = audit.snapshot(key)
        key.revoked_at = utcnow()
        session.flush()
        audit.record(session, principal, action="api_key.revoke", entity_type="api_key", entity_id=key.id,
                     agency_id=key.agency_id, before=before, after=audit.snapshot(key), rows=[key])
    for cache in list(_caches):  # immediate in this process; other processes within their TTL
        cache.forget_key(key.id)
    return key


def list_keys(session: Session, principal: Principal, *, limit: int = 500, cursor: str | None = None) -> Page[ApiKey]:
    principal.require("identity.manage")
    return paginate(session, select(ApiKey), ApiKey.id, limit=limit, cursor=cursor)


@dataclass(frozen=True)
class KeyAuth:
    principal: Principal
    stale: bool  # last_used_at is older than a minute: the caller should touch_key()


def principal_for_token(session: Session, token: str) -> KeyAuth | None:
    """The principal a bearer token stands for, or None (unknown or revoked). Reads only."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.token_hash == _token_hash(token))).first()
    if key is None or key.revoked_at is not None:
        return None
    principal = Principal(id=key.id, name=key.name, role=key.role, agency_id=key.agency_id,  # type: ignore[arg-type]
                          kind="key")
    stale = key.last_used_at is None or utcnow() - key.last_used_at > timedelta(minutes=1)
    return KeyAuth(principal, stale)


AUTH_CACHE_SECONDS = 2.0
"""How long a process may keep answering for a key from memory. A key revoked by *another* process
(the CLI, another worker) is refused by every process at most this long after the revocation
commits; a key revoked through this process is forgotten at once."""


class PrincipalCache:
    """A small per-process map from token hash to the :class:`KeyAuth` looked up for it, each entry
    kept at most ``ttl`` seconds, so an API request need not open its own transaction just to find
    its caller. Only valid keys are kept (an unknown or revoked token is looked up every time, so
    random tokens cannot fill it); the entry's ``stale`` is cleared once the caller has recorded
    ``last_used_at``, which therefore stays at most once a minute per process."""

    def __init__(self, ttl: float = AUTH_CACHE_SECONDS, *, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, KeyAuth]] = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def get(self, token: str) -> KeyAuth | None:
        found = self._entries.get(_token_hash(token))
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def put(self, token: str, auth: KeyAuth) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                now = self.clock()
                self._entries = {h: e for h, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[_token_hash(token)] = (self.clock() + self.ttl, replace(auth, stale=False))

    def forget_key(self, key_id: str) -> None:
        with self._lock:
            self._entries = {h: e for h, e in self._entries.items() if e[1].principal.id != key_id}


_caches: weakref.WeakSet[PrincipalCache] = weakref.WeakSet()


def touch_key(session: Session, key_id: str) -> None:
    """Record that a key was used (bookkeeping, in its own short transaction)."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


def create_user(session: Session, principal: Principal, *, role: str, username: str, password: str,
                agency_code: str | None = None) -> User:
    principal.require("identity.manage")
    agency_id = _resolve_agency(session, role, agency_code)
    if len(password) < 8:
        raise Invalid("the password must have at least 8 characters", code="weak_password")
    username = _username(username)
    if session.scalar(select(User.id).where(User.username_key == identifier_key(username))):
        raise Conflict(f"a user named {username!r} already exists", code="duplicate_user")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, agency_id=agency_id)
    session.add(user)
    session.flush()
    audit.record(session, principal, action="user.create", entity_type="user", entity_id=user.id,
                 agency_id=agency_id, after=audit.snapshot(user), rows=[user])
    return user


def _username(text: str) -> str:
    """A username as stored (see :mod:`fleet.identifiers`); unique ignoring case and width."""
    try:
        username = normalize_identifier(text)
    except ValueError as exc:
        raise Invalid(f"username: {exc}", code="invalid_username") from None
    if not 1 <= len(username) <= USERNAME_MAX:
        raise Invalid(f"username: give 1 to {USERNAME_MAX} characters", code="invalid_username")
    return username


USERNAME_MAX = 80  # the columns' lengths
KEY_NAME_MAX = 120


def login_user(session: Session, username: str) -> User | None:
    """The enabled user a sign-in names (ignoring case and width, as usernames are unique), or
    None. Reads only; the password is checked apart (:func:`password_matches`), so no
    transaction stays open during the slow hash."""
    if not username or len(username) > 200:
        return None
    try:
        key = identifier_key(normalize_identifier(username))
    except ValueError:
        return None
    user = session.scalars(select(User).where(User.username_key == key)).first()
    return user if user is not None and user.disabled_at is None else None


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def password_matches(user: User | None, password: str) -> bool:
    """Whether the password is the user's. With no user (unknown, disabled) a dummy hash is
    verified instead, at the same cost: the answer's timing tells nothing about which usernames
    exist. Slow on purpose (argon2): callers keep it off the threads serving requests."""
    try:
        return _hasher.verify(user.password_hash if user is not None else _dummy_hash(), password) and \
            user is not None
    except (VerificationError, InvalidHashError):
        return False


def principal_for_login(session: Session, username: str, password: str) -> Principal | None:
    user = login_user(session, username)
    return principal_for_user(user) if password_matches(user, password) and user is not None else None


def disable_user(session: Session, principal: Principal, username: str, now: datetime) -> User:
    """Disable a web user and end every session of theirs (audited; the sessions' ending is not)."""
    principal.require("identity.manage")
    user = session.scalars(select(User).where(User.username_key == identifier_key(username))).first()
    if user is None:
        raise NotFound(f"user {username} not found")
    if user.disabled_at is None:
        before = audit.snapshot(user)
        user.disabled_at = now
        session.flush()
        audit.record(session, principal, action="user.disable", entity_type="user", entity_id=user.id,
                     agency_id=user.agency_id, before=before, after=audit.snapshot(user), rows=[user])
    websessions.end_all(session, user.id, now, "user_disabled")
    return user


def principal_for_user(user: User) -> Principal:
    role: Role = user.role  # type: ignore[assignment]
    return Principal(id=user.id, name=user.username, role=role, agency_id=user.agency_id, kind="user")
