"""Server-rendered web pages (Jinja2, plain HTML forms, a little JavaScript for live countdowns).

``install(app)`` adds the signed session cookie, the page routers, ``/static/`` and the HTML
error pages for web routes (the JSON error body stays for ``/api/v1``).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.settings import Settings
from api.web import dispatch, errors, field, manage
from api.web.render import HERE

SESSION_COOKIE = "slatrack_session"
SESSION_HOURS = 12


def install(app: FastAPI, settings: Settings) -> None:
    errors.install(app)
    app.include_router(dispatch.router)  # before field: /tickets/new is not a ticket id
    app.include_router(field.router)
    app.include_router(manage.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=SESSION_COOKIE,
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=settings.secure_cookies)
