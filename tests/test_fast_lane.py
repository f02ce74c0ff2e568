"""POST /score's fast lane (api.app score_lane) answers as the full FastAPI stack does, and only what that
stack would answer 200; everything else still reaches the route and gets its usual answer."""
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware import BodyLimitAndRequestId
from api.settings import ApiSettings

BAIT = "Нужен закладчик, 20 000 ₸ в день, пиши в лс"


def _lanes(app) -> dict:
    return next(m.kwargs["lanes"] for m in app.user_middleware if m.cls is BodyLimitAndRequestId)


@pytest.fixture()
def counted(scorer):
    """A client whose /score lane counts the requests it answered."""
    app = create_app(ApiSettings(), scorer=scorer)
    lanes, answered = _lanes(app), []
    lane = lanes["/score"]

    def counting(scope, body):
        answer = lane(scope, body)
        answered.append(answer is not None)
        return answer

    lanes["/score"] = counting
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, answered


@pytest.mark.parametrize("payload", [
    {"text": BAIT}, {"text": BAIT, "id": "x1"}, {"text": "бухгалтер в ТОО, 5/2", "id": 7},
    {"text": "курьер\nбез опыта 🔥", "id": 2 ** 64 - 1}, {"id": -(2 ** 63), "text": "Python developer, Almaty"}])
def test_the_lane_answers_as_the_full_stack(counted, payload):
    client, answered = counted
    fast = client.post("/score", json=payload)
    full = client.post("/score?queue=false", json=payload)  # a query string: the route itself
    assert answered == [True]
    assert fast.status_code == full.status_code == 200
    assert fast.json() == full.json()
    assert fast.headers["content-type"] == full.headers["content-type"] == "application/json"
    assert fast.headers["x-request-id"] and fast.headers["x-request-id"] != full.headers["x-request-id"]


@pytest.mark.parametrize("body,content_type,status", [
    (b'{"text": "abc', "application/json", 422),               # broken JSON
    (b'{"text": 12345}', "application/json", 422),            # not the request model
    (b'{"text": "a", "id": 1.5}', "application/json", 422),
    (b'{"text": "a", "id": 18446744073709551616}', "application/json", 422),  # past 64 bits
    (b'{"text": NaN}', "application/json", 422),
    (b'[1, 2]', "application/json", 422),
    (b'', "application/json", 422),
    (b'{"text": "abc"}', "text/plain", 415),
    ('{"text": "x\\ud800y"}'.encode(), "application/json", 200),  # a lone surrogate: orjson refuses, the route scores
    (b'{"text": "abc"}', "application/problem+json", 200),   # other JSON types: FastAPI's own rules decide
    (b'{"text": "abc"}', "application/vnd.a/b+json", 422),   # not a JSON type to FastAPI, one to the 415 check
])
def test_what_the_lane_refuses_gets_the_routes_answer(counted, body, content_type, status):
    client, answered = counted
    r = client.post("/score", content=body, headers={"content-type": content_type})
    assert answered == [False]
    assert r.status_code == status and "Traceback" not in r.text


def test_the_lane_keeps_the_limits_and_the_key(scorer):
    app = create_app(ApiSettings(api_key="k1", max_text_chars=100), scorer=scorer)
    lanes = _lanes(app)
    answered = []
    lane = lanes["/score"]
    lanes["/score"] = lambda scope, body: answered.append(lane(scope, body)) or answered[-1]
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/score", json={"text": BAIT}).status_code == 401
        assert client.post("/score", json={"text": BAIT}, headers={"x-api-key": "wrong"}).status_code == 401
        assert client.post("/score", json={"text": "x" * 101}, headers={"x-api-key": "k1"}).status_code == 413
        assert answered == [None, None, None]
        r = client.post("/score", json={"text": BAIT}, headers={"x-api-key": "k1"})
        assert r.status_code == 200 and r.json()["risk"] == "high" and answered[-1] is not None


def test_scores_through_the_lane_are_counted_once(counted):
    client, answered = counted
    before = client.get("/metrics").text
    client.post("/score", json={"text": BAIT})
    after = client.get("/metrics").text
    assert answered == [True]

    def high(text: str) -> float:  # no line before the first text in the band
        return sum(float(x.split()[-1]) for x in text.splitlines()
                   if x.startswith("adrisk_scores_total") and 'risk="high"' in x)

    assert high(after) - high(before) == 1


def test_an_error_while_scoring_is_answered_once(counted, scorer, monkeypatch):
    client, answered = counted
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise ValueError("a bug in scoring")

    monkeypatch.setattr(scorer, "records", failing)
    r = client.post("/score", json={"text": BAIT})
    assert r.status_code == 500 and r.json() == {"detail": "internal error"}
    assert calls == [1]  # not scored again down the full stack


def test_the_lane_serves_under_a_root_path(scorer):
    app = create_app(ApiSettings(), scorer=scorer)
    lanes, answered = _lanes(app), []
    lane = lanes["/score"]
    lanes["/score"] = lambda scope, body: answered.append(lane(scope, body)) or answered[-1]
    with TestClient(app, root_path="/api") as client:
        r = client.post("/api/score", json={"text": BAIT})
    assert r.status_code == 200 and r.json()["risk"] == "high"
    assert len(answered) == 1 and answered[0] is not None
