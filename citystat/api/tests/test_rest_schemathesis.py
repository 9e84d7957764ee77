"""Schemathesis sends requests generated from the OpenAPI document to the REST API, in
process through WSGI, and finds no server error and no answer the document does not
describe (#9: "schemathesis run against the REST API with no server errors")."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from citystat.accounts.models import ApiToken
from citystat.accounts.tokens import issue_token
from citystat.city.models import CityProfile
from citystat.plan.testing import build_scoped_measures


def rest_api_document() -> dict[str, Any]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    # Round-trip through JSON, as a client would read it (dates and lazy strings flatten).
    return json.loads(json.dumps(document, default=str))


schema = schemathesis.openapi.from_dict(rest_api_document())
application = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # A WSGI request closes "old" database connections when it starts and ends; in a test
    # that is the test's own transaction (PostgreSQL then answers "connection is closed").
    # Django's test client disconnects the same handlers for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_key(cast, departments, settings):
    settings.CITYSTAT_API_RATE_ANON = "100000/minute"
    settings.CITYSTAT_API_RATE_TOKEN = "100000/minute"
    CityProfile.objects.create(name="Kansas City", fiscal_year_start_month=5, population=10_000)
    build_scoped_measures(departments)
    _, key = issue_token(cast["alice"], "schemathesis", ApiToken.Scope.WRITE)
    return key


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_breaks_the_api(case, write_key):
    response = case.call(app=application, headers={"Authorization": f"Token {write_key}"})
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
