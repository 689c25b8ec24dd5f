"""Generated input against every API operation (issue 2.7, "bad input").

Schemathesis reads the OpenAPI schema and throws well-formed and malformed requests at
every operation, logged in as the organisation department (who sees everything, so
most generated ids and bodies reach the services). Whatever comes in, the API must
answer below 500, with a status the schema documents and a body matching the schema.

Bounded and deterministic: at most 25 examples per operation, derandomized, no
deadline (the first request of a test warms Django up).
"""

from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.api import api
from conftest import PASSWORD

schema = from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()


@contextmanager
def keeping_the_test_transaction():
    # Schemathesis calls the WSGI application itself, which (unlike Django's test
    # client) lets request_started/finished close the database connection — and with
    # it the test's transaction on PostgreSQL. Do what the test client does, around
    # each call (the test client reconnects the handlers after each of its requests).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(client, users):
    # Through the API itself (core's tests may not import other contexts).
    response = client.post(
        "/api/auth/token", {"username": "orgdept", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    # A run answered 401 throughout would prove nothing: the token must open the API.
    assert client.get("/api/people", HTTP_AUTHORIZATION=f"Bearer {token}").json()["count"] == 2
    return token


@pytest.fixture
def dossier_id(client, token, tree):
    """An admission dossier, opened through the API (core's tests may not import
    admission), for the operations that take a dossier id: a generated id would
    almost never exist, and the operation would stop at its 404."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    person = client.post(
        "/api/people",
        {"name": "赵申请", "id_number": "140105199601010116", "branch_id": tree.branch1.pk},
        content_type="application/json",
        **auth,
    )
    assert person.status_code == 201, person.content
    dossier = client.post(
        "/api/admission/dossiers",
        {"person_id": person.json()["id"], "on": "2024-01-10"},
        content_type="application/json",
        **auth,
    )
    assert dossier.status_code == 201, dossier.content
    return dossier.json()["id"]


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_error_and_answers_match_the_schema(case, token, dossier_id):
    generated = (case.path_parameters or {}).get("dossier_id")
    if isinstance(generated, int) and not isinstance(generated, bool) and generated >= 1:
        # A well-formed id: send the one that exists (malformed ids stay as generated).
        case.path_parameters = {**case.path_parameters, "dossier_id": dossier_id}
    with keeping_the_test_transaction():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            # Schema-valid is not rule-valid: a random 18-character string passes the
            # schema but fails the GB 11643 checksum, a group cannot sit under a committee.
            # Those answer 422 by design; every other check (no 5xx, documented status,
            # body and content type as the schema says, malformed input refused) applies.
            excluded_checks=[positive_data_acceptance],
        )
