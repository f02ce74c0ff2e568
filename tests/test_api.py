"""The HTTP API through TestClient: contract, limits, clean errors, key, request ids, metrics."""
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.settings import ApiSettings

BAIT = "Нужен закладчик, 20 000 ₸ в день, пиши в лс"


def test_score_contract(client):
    r = client.post("/score", json={"text": BAIT, "id": "x1"})
    assert r.status_code == 200
    body = r.json()
    assert {"score", "risk", "reasons", "model_version", "category", "probabilities", "flags"} <= set(body)
    assert body["id"] == "x1" and r.headers["x-request-id"]


def test_batch_keeps_order(client):
    items = [{"id": i, "text": t} for i, t in enumerate(["привет, как дела", BAIT, "бухгалтер в ТОО, 5/2"])]
    r = client.post("/score/batch", json={"items": items})
    assert [x["id"] for x in r.json()["results"]] == [0, 1, 2]


def test_health_and_model_card(client):
    assert client.get("/health").json()["status"] == "ok"
    card = client.get("/model").json()
    assert {"version", "data", "settings", "thresholds", "cross_validation"} <= set(card)
    assert client.get("/docs").status_code == 200


def test_lifespan_loads_the_model_once(model_dir):
    with TestClient(create_app(ApiSettings(model=model_dir))) as c:
        assert c.get("/health").json()["model_version"] == c.app.state.scorer.version


@pytest.mark.parametrize("payload,expected", [
    ({"text": "x" * 2_000_000}, 413),
    ({"text": 12345}, 422),
    ({"txt": "hello"}, 422),
    ({"items": [{"text": "a"}] * 100_000}, 413),
])
def test_bad_requests_get_4xx(client, payload, expected):
    path = "/score/batch" if "items" in payload else "/score"
    r = client.post(path, json=payload)
    assert r.status_code == expected
    assert "detail" in r.json() and "Traceback" not in r.text


def test_an_unknown_body_field_is_named_not_dropped(client):
    r = client.post("/score", json={"text": "Нужен курьер", "queue": True})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", "queue"], "type": "extra_forbidden",
                                   "msg": "unknown field 'queue'; queue is a query parameter (?queue=true)"}]
    r = client.post("/score/batch", json={"items": [{"text": "a", "lang": "ru"}]})
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "unknown field 'lang'"


def test_reveal_takes_a_json_boolean_only(client):
    r = client.post("/indicators", json={"text": "карта 4400 4301 2345 6789", "reveal": "yes"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reveal"]
    assert client.post("/indicators", json={"text": "карта 4400 4301 2345 6789", "reveal": True}).status_code == 200


def test_broken_json_is_4xx(client):
    r = client.post("/score", content=b'{"text": "abc', headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_body_limit_before_parsing(scorer):
    with TestClient(create_app(ApiSettings(max_body_bytes=1000), scorer=scorer)) as c:
        r = c.post("/score", json={"text": "a" * 5000})
        assert r.status_code == 413 and "limit" in r.json()["detail"]


@pytest.mark.parametrize("text", ["", "\x00\x00abc\x00", "\ud800 broken \udfff", "🙂" * 5000, "\u200b" * 100])
def test_odd_text_never_5xx(client, text):
    body = json.dumps({"text": text}).encode()
    r = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200


def test_api_key(scorer):
    with TestClient(create_app(ApiSettings(api_key="s3cret"), scorer=scorer)) as c:
        assert c.post("/score", json={"text": "hi"}).status_code == 401
        assert c.post("/score", json={"text": "hi"}, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert c.post("/score", json={"text": "hi"}, headers={"X-API-Key": "sёcret".encode()}).status_code == 401
        assert c.get("/health").status_code == 200  # liveness probes carry no key


def test_batch_total_size_is_limited(scorer):
    with TestClient(create_app(ApiSettings(max_batch_chars=50_000), scorer=scorer)) as c:
        r = c.post("/score/batch", json={"items": [{"text": "а" * 10_000}] * 6})
        assert r.status_code == 413 and "60000 characters" in r.json()["detail"]
        assert c.post("/score/batch", json={"items": [{"text": "а" * 10_000}] * 5}).status_code == 200


def test_cors_origins_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADRISK_CORS_ORIGINS", "https://a.example, https://b.example")
    assert ApiSettings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("ADRISK_CORS_ORIGINS", '["https://c.example"]')
    assert ApiSettings().cors_origins == ["https://c.example"]


def test_metrics(client):
    client.post("/score", json={"text": BAIT})
    text = client.get("/metrics").text
    assert "adrisk_requests_total" in text and "adrisk_request_seconds_bucket" in text and "adrisk_scores_total" in text


def test_no_cors_by_default(client):
    r = client.options("/score", headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=300), st.integers(), st.none(), st.lists(st.text(max_size=5), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)))
def test_any_json_value_never_5xx(client, value):
    assert client.post("/score", json={"text": value}).status_code < 500
    assert client.post("/score/batch", json={"items": [{"text": value}]}).status_code < 500


def test_batch_reasons_go_to_flagged_items_unless_all_are_asked_for(client):
    items = [{"id": 1, "text": "Требуется бухгалтер в ТОО «Арай», пятидневка, оклад 300 000 ₸"},
             {"id": 2, "text": "Нужен закладчик, 20 000 ₸ в день, пиши в лс"}]
    full = client.post("/score/batch", json={"items": items, "reasons": "all"}).json()["results"]
    flagged = client.post("/score/batch", json={"items": items}).json()["results"]
    assert full[0]["lowering"] and flagged[0]["lowering"] == [] and flagged[1] == full[1]
    assert client.post("/score/batch", json={"items": items, "reasons": "none"}).json()["results"][1]["reasons"] == []
    assert client.post("/score/batch", json={"items": items, "reasons": "most"}).status_code == 422


def test_responses_are_valid_results(client):
    from classifier.result import Result

    one = client.post("/score", json={"text": BAIT, "id": 7}).json()
    assert Result.model_validate(one).id == 7 and one["reasons"] and one["flags"]
    many = client.post("/score/batch", json={"items": [{"text": BAIT}, {"text": "бухгалтер в ТОО", "id": "b"}]}).json()
    assert [Result.model_validate(r).id for r in many["results"]] == [None, "b"]

def test_docs_work_offline(client):
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    refs = re.findall(r'(?:src|href|url)\s*[=:]\s*["\']([^"\']+)', page.text)
    assert len(refs) >= 4 and "/openapi.json" in refs
    assert not [r for r in refs if "//" in r], refs  # no CDN, no other host
    assert "http://" not in page.text and "https://" not in page.text
    for ref in refs:
        r = client.get(ref)
        assert r.status_code == 200, ref
    assert client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/assets/favicon-32x32.png").headers["content-type"] == "image/png"
    assert client.get("/redoc").status_code == 404  # it would load its script and fonts from the network


def test_the_vendored_assets_carry_their_license():
    from api.app import SWAGGER_UI

    assert "Apache License" in (SWAGGER_UI / "LICENSE").read_text(encoding="utf-8")


def test_every_json_route_refuses_another_content_type_with_415(client):
    for path in ("/indicators", "/items/1/verdict", "/admin/reload"):
        r = client.post(path, content=b'{"text": "hi", "verdict": "bait"}', headers={"content-type": "text/plain"})
        assert r.status_code == 415 and "text/plain" in r.json()["detail"], path
    assert client.post("/admin/reload", json={"model": "/nowhere"}).status_code == 422  # JSON: on to the route
    assert client.post("/admin/reload").status_code != 415  # no body at all: the default folder


@pytest.mark.parametrize("path", ["/score", "/score/batch"])
def test_a_body_that_is_not_json_gets_415(client, path):
    r = client.post(path, content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert "text/plain" in r.json()["detail"] and "application/json" in r.json()["detail"]
    r = client.post(path, content=b'{"text": "hi"}')
    assert r.status_code == 415 and "no content type" in r.json()["detail"]
    body = {"items": [{"text": "hi"}]} if path.endswith("batch") else {"text": "hi"}
    r = client.post(path, content=json.dumps(body).encode(),
                    headers={"content-type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_health_shows_the_model_cards_warnings(scorer):
    from classifier.scorer import Scorer

    small = Scorer(scorer.pipeline, scorer.card | {"warnings": ["trained on 40 of your rows"]})
    with TestClient(create_app(ApiSettings(), scorer=small)) as c:
        assert c.get("/health").json()["warnings"] == ["trained on 40 of your rows"]


def test_health_says_when_the_model_has_seen_no_real_data(scorer):
    from classifier.scorer import Scorer

    assert not scorer.card["data"]["user_files"]  # the project's default model
    with TestClient(create_app(ApiSettings(), scorer=scorer)) as c:
        assert "no labelled real traffic" in c.get("/health").json()["caveats"][0]
    own = Scorer(scorer.pipeline, scorer.card | {"data": scorer.card["data"] | {"user_files": ["ours.jsonl"]}})
    with TestClient(create_app(ApiSettings(), scorer=own)) as c:
        assert c.get("/health").json()["caveats"] == []


ANSWERS = {  # the errors each route can give (beside 401 and 422), as the routes' code raises them
    ("post", "/score"): {"413", "415", "503"}, ("post", "/score/batch"): {"413", "415"},
    ("post", "/indicators"): {"413", "415"}, ("get", "/queue"): {"503"}, ("get", "/items/{item_id}"): {"404", "503"},
    ("post", "/items/{item_id}/verdict"): {"404", "413", "415", "503"},
    ("delete", "/items/{item_id}/verdict"): {"404", "409", "503"}, ("get", "/feedback/export"): {"503"},
    ("post", "/admin/reload"): {"403", "413", "415"},
}


def test_a_422_answer_has_the_shape_the_schema_declares(client):
    errors = client.get("/openapi.json").json()["components"]["schemas"]
    detail = errors["HTTPValidationError"]["properties"]["detail"]["anyOf"]
    assert {"type": "string"} in detail and errors["ValidationError"]["required"] == ["loc", "msg", "type"]
    listed = client.post("/score", json={"text": 5}).json()["detail"]
    assert listed and all({"loc", "msg", "type"} <= set(e) for e in listed)
    assert isinstance(client.get("/queue?risk=extreme").json()["detail"], str)


def test_the_schema_declares_each_routes_errors(client):
    paths = client.get("/openapi.json").json()["paths"]
    declared = {(m, p): set(op["responses"]) for p, ops in paths.items() for m, op in ops.items()}
    assert {k: v & {"403", "404", "409", "413", "415", "503"} for k, v in declared.items() if k in ANSWERS} == ANSWERS
    assert set(ANSWERS) <= set(declared)


def test_the_schema_says_which_routes_take_the_key(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key",
        "description": "Needed when ADRISK_API_KEY or ADRISK_MODERATOR_KEYS is set"}
    score = schema["paths"]["/score"]["post"]
    assert score["security"] == [{"ApiKey": []}] and "401" in score["responses"]
    assert "security" not in schema["paths"]["/health"]["get"]  # liveness probes stay open


@pytest.mark.parametrize("path,query", [("/score/batch", "queue=true"), ("/score", "Queue=true"),
                                        ("/score", "reveal=true")])
def test_an_unknown_query_parameter_is_named_not_dropped(client, path, query):
    body = {"items": [{"text": "a"}]} if path.endswith("batch") else {"text": "a"}
    r = client.post(f"{path}?{query}", json=body)
    assert r.status_code == 422 and f"unknown query parameter '{query.split('=')[0]}'" in r.json()["detail"]
    assert client.post("/score?queue=false", json={"text": "a"}).status_code == 200
    assert client.get("/health?probe=1").status_code == 200
    assert client.get("/?utm_source=mail").status_code == 200  # a read takes whatever a link adds


def test_a_broken_or_undecodable_body_is_a_422_that_says_where(client):
    r = client.post("/score", content=b'{"text": "abc', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "malformed JSON (Unterminated string starting at character 9)"
    r = client.post("/score", content=b'{"text": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "malformed JSON (the body is not valid UTF-8)"
