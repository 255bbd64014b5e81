"""Generated calls (schemathesis, from the API's own OpenAPI schema): whatever the parameters, the API
answers as its schema says (documented status codes, JSON bodies of the documented shapes), never
with a server error. A few dozen examples per endpoint, in the quick run."""
from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api import v1
from oxygen.wsgi import application
from tests.factories import add_period, stored_certificate

schema = schemathesis.openapi.from_dict(v1.api.get_openapi_schema(path_params={}))
schema.app = application


@pytest.fixture
def test_connection_kept():
    """Calls go to the WSGI application itself, whose end-of-request signal closes the database
    connection: that would close the test's transaction (PostgreSQL). Django's test client
    disconnects the same handler around its calls."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, test_connection_kept, practitioner_record, make_token):
    """A registry with one record (so that some generated ids are known ones), a token of every scope."""
    add_period(practitioner_record)
    stored_certificate(practitioner_record, days_left=45)
    return make_token(requests_per_minute=100_000)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_generated_call_as_documented(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
