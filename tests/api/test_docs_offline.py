"""/docs works offline: Swagger UI's files come from this server, not a CDN."""

from __future__ import annotations

import re


def test_the_api_docs_page_loads_everything_from_this_server(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/docs").text
    assert "swagger-ui-bundle.js" in html and "/openapi.json" in html
    assert "<script>" not in html  # the Content-Security-Policy allows no inline script
    assert not re.findall(r"https?://", html), re.findall(r"https?://[^\"' ]+", html)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200 and response.content, asset
    assert client.get("/docs/oauth2-redirect").status_code == 200
