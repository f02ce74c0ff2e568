"""schemathesis fuzzes the OpenAPI schema; no request may produce a server error."""
import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import ApiSettings
from classifier.scorer import Scorer
from conftest import ROOT

app = create_app(ApiSettings(), scorer=Scorer.load(ROOT / "models"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])
