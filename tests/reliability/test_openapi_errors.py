"""The OpenAPI document says what errors look like (regression: the fuzzer found 400/401/404/409
answers undocumented and 422 documented as FastAPI's ``HTTPValidationError`` instead of the one
error shape)."""

from __future__ import annotations


def test_every_api_operation_documents_the_one_error_shape_for_4xx_and_503(client):
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status in ("4XX", "503"):
                schema = op["responses"].get(status, {}).get("content", {}).get("application/json", {}).get("schema")
                if schema != {"$ref": "#/components/schemas/ErrorOut"}:
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing


def test_an_unparseable_body_answers_400_in_the_error_shape(client, session):
    from tests.builders import assert_error, auth, make_key

    r = client.post("/api/v1/agencies", content=b"\xff{", headers={**auth(make_key(session, "admin")),
                                                                    "content-type": "application/json"})
    assert_error(r, 400)
