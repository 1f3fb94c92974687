"""Errors on web pages: the same exceptions as the API, answered with an HTML page.

The API's handlers (:mod:`api.errors`) stay as they are; for a request outside ``/api/``,
``/health``, ``/docs`` and ``/openapi.json`` each is wrapped to render ``error.html`` with the
same status and message instead of the JSON body. A missing sign-in is a 303 to the login page,
a missing or wrong CSRF token a 403 page.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web.auth import CsrfFailed, LoginRequired, login_url
from api.web.render import page
from fleet.audit import request_id_var
from fleet.errors import DomainError

log = logging.getLogger("slatrack.web")
JSON_PREFIXES = ("/api/", "/health", "/docs", "/openapi.json", "/static/")
TITLES = {400: "That request was not understood", 401: "Please sign in", 403: "Not allowed",
          404: "Not found", 405: "Not allowed", 409: "That conflicts with the record", 413: "Too large",
          422: "That input was not accepted", 429: "Too many requests", 503: "Temporarily unavailable",
          500: "Something went wrong"}
Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_web(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(JSON_PREFIXES)


def _message(exc: Exception, status: int) -> str:
    if isinstance(exc, DomainError):
        return exc.message[:1].upper() + exc.message[1:]
    if isinstance(exc, StarletteHTTPException) and status == 404:
        return "There is no page at this address."
    if status == 500:
        return f"An unexpected error happened. Quote request id {request_id_var.get()} when reporting it."
    if status == 503:
        return "The database is unavailable. Try again in a moment."
    return TITLES.get(status, "Error")


def error_page(request: Request, status: int, message: str) -> Response:
    if status == 404:
        message = message.replace(" not found", " was not found (or is not yours to see)")
    return page(request, "error.html", {"status": status, "title": TITLES.get(status, "Error"),
                                        "message": message}, status_code=status)


def _wrap(original: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        response = await original(request, exc)
        if not is_web(request):
            return response
        answer = error_page(request, response.status_code, _message(exc, response.status_code))
        if "retry-after" in response.headers:  # 429 (rate limited), 503
            answer.headers["Retry-After"] = response.headers["retry-after"]
        return answer

    return handler


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _csrf(request: Request, exc: Exception) -> Response:
    return error_page(request, 403, "This form has expired or did not come from this site (the security "
                                    "token is missing or wrong). Nothing was recorded. Go back, reload the "
                                    "page and try again.")


def install(app: FastAPI) -> None:
    handlers: dict[Any, Handler] = dict(app.exception_handlers)
    for cls, original in handlers.items():
        if cls not in (Exception, 500):  # unexpected errors are answered by api.middleware.RequestContext
            app.add_exception_handler(cls, _wrap(original))
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf)
