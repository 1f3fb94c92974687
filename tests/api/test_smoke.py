from tests.builders import auth, make_agency, make_key


def test_health_answers_ok_with_the_database(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok"}


def test_an_admin_key_lists_agencies(client, session):
    agency = make_agency(session, code="NAVFAC")
    token = make_key(session, "admin")
    r = client.get("/api/v1/agencies", headers=auth(token))
    assert r.status_code == 200, r.text
    assert [a["code"] for a in r.json()["items"]] == [agency.code]
