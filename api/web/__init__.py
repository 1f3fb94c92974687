"""Server-rendered web pages (Jinja2, plain HTML forms, a little JavaScript for live countdowns).

``install(app)`` adds the signed cookie (it carries the server-side session's token, the CSRF
token and flash messages: :mod:`api.web.auth`), the sign-in state, the page routers, ``/static/``
and the HTML error pages for web routes (the JSON error body stays for ``/api/v1``).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.settings import Settings
from api.web import dispatch, errors, field, mail, manage, notifications, signin
from api.web.auth import WebState
from api.web.render import HERE
from fleet.signin_throttle import Limits
from fleet.websessions import Lifetimes

SESSION_COOKIE = "slatrack_session"


def favicon() -> FileResponse:
    """Browsers ask every site for ``/favicon.ico``: answer it rather than log a 404 per visit."""
    return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


def install(app: FastAPI, settings: Settings) -> None:
    app.state.web = WebState(
        lifetimes=Lifetimes(idle=timedelta(minutes=settings.session_idle_minutes),
                            max_age=timedelta(hours=settings.session_max_hours)),
        limits=Limits(per_user=settings.signin_failures_per_user, per_address=settings.signin_failures_per_address,
                      window=timedelta(minutes=settings.signin_window_minutes)))
    app.state.signin_pool = signin.SignInPool()
    errors.install(app)
    app.include_router(signin.router)
    app.include_router(dispatch.router)  # before field: /tickets/new is not a ticket id
    app.include_router(field.router)
    app.include_router(manage.router)
    app.include_router(notifications.router)
    app.include_router(mail.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_api_route("/favicon.ico", favicon, include_in_schema=False)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=SESSION_COOKIE,
                       max_age=settings.session_max_hours * 3600, same_site="lax", https_only=settings.secure_cookies)
