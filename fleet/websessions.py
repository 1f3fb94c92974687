"""Server-side web sessions: the cookie carries a random token, the database its SHA-256.

A session ends when its user signs out, when the user is disabled, after ``idle`` without a page
view, or ``max_age`` after signing in, whichever comes first; an ended session is refused for
every copy of its cookie. ``last_seen_at`` is recorded at most once a minute
(:data:`TOUCH_EVERY`), so the idle lifetime is exact to within a minute and a page view costs no
write in the common case.

Session bookkeeping (creating, touching, ending a session) is **not an audited write**: like an API
key's ``last_used_at`` it is not a business fact, and it happens on reads. Signing in and out is
logged (``slatrack.signin``) by the web layer instead. The clock is a parameter (``now``): these
functions never read it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from fleet.models import User, WebSession

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    max_age: timedelta


@dataclass(frozen=True)
class Found:
    """What a cookie's token stands for now: the user (when the session is still good), else why not."""

    session_id: str
    user: User | None
    ended: str | None  # why the session ends now ("idle", "expired", "user_disabled"), None if it is good
    stale: bool  # good, and last_seen_at is older than TOUCH_EVERY: the caller should touch() it


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user_id: str, now: datetime, lifetimes: Lifetimes) -> str:
    """Create a session for the user; returns the token for the cookie (the only time it exists in
    clear). The user's sessions that are over are deleted here, so the table stays small."""
    session.execute(delete(WebSession).where(
        WebSession.user_id == user_id,
        or_(WebSession.ended_at.is_not(None), WebSession.created_at < now - lifetimes.max_age,
            WebSession.last_seen_at < now - lifetimes.idle)))
    token = secrets.token_urlsafe(32)
    session.add(WebSession(id=session_id(token), user_id=user_id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def find(session: Session, token: str, now: datetime, lifetimes: Lifetimes) -> Found | None:
    """The session a token names and whether it is still good at ``now``; None when there is no such
    session or it has ended already. Reads only."""
    if len(token) > 100:
        return None
    sid = session_id(token)
    row = session.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                          .where(WebSession.id == sid, WebSession.ended_at.is_(None))).first()
    if row is None:
        return None
    web, user = row
    if user.disabled_at is not None:
        return Found(sid, None, "user_disabled", False)
    if now - web.created_at >= lifetimes.max_age:
        return Found(sid, None, "expired", False)
    if now - web.last_seen_at >= lifetimes.idle:
        return Found(sid, None, "idle", False)
    return Found(sid, user, None, now - web.last_seen_at >= TOUCH_EVERY)


def touch(session: Session, sid: str, now: datetime) -> None:
    """Record a page view (in its own short transaction; see the module docstring)."""
    session.execute(update(WebSession).where(WebSession.id == sid, WebSession.ended_at.is_(None))
                    .values(last_seen_at=now))


def end(session: Session, sid: str, now: datetime, reason: str) -> bool:
    """End one session; True when it was still open."""
    result = session.execute(update(WebSession).where(WebSession.id == sid, WebSession.ended_at.is_(None))
                             .values(ended_at=now, end_reason=reason))
    return bool(getattr(result, "rowcount", 0))


def end_all(session: Session, user_id: str, now: datetime, reason: str) -> int:
    """End every open session of a user (disabled, password changed); returns how many."""
    result = session.execute(update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
                             .values(ended_at=now, end_reason=reason))
    return int(getattr(result, "rowcount", 0))
