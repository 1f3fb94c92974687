"""``/docs``: Swagger UI served from this server (the ``fastapi-offline`` package's Swagger UI 5
files under ``/static/swagger-ui/``; 5 reads FastAPI's OpenAPI 3.1, the ``swagger-ui-bundle``
package's 4.15 does not), not from a CDN, so the API docs work offline and behind firewalls."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

ASSETS = "/static/swagger-ui"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# FastAPI's get_swagger_ui_html starts Swagger UI with an inline script, which the pages'
# Content-Security-Policy (script-src 'self') blocks: a blank page. This one loads a file instead.
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} – API docs</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi_url}" data-oauth2-redirect-url="{redirect}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI, *, openapi_url: str, title: str) -> None:
    """Mount the assets (before the web pages' ``/static`` mount, which would shadow them) and the
    two docs pages FastAPI would otherwise serve with CDN links."""
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="swagger-ui")

    page = PAGE.format(title=escape(title), assets=ASSETS, openapi_url=escape(openapi_url),
                       redirect=OAUTH2_REDIRECT)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
