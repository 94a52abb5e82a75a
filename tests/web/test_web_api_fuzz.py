"""Schemathesis fuzzes /api/v1 against its own OpenAPI schema: no 500s, responses match the schema.

Bounded (few examples per operation) so that it runs in well under two minutes; SQLite only (the same code
paths run on PostgreSQL in the role-matrix tests).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from panhuo.config import get_settings
from panhuo.db import get_engine, migrate, session_scope


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from panhuo.accounts import service as accounts_service
    from panhuo.web.app import create_app
    from panhuo.web.demo import seed_demo

    workspace = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{workspace / 'panhuo.db'}"
    engine = get_engine(url)
    migrate(engine)
    with session_scope(engine) as db:
        seed_demo(db, patents=8)
        user = accounts_service.get_user_by_username(db_session=db, username="uni-admin")
        _, token = accounts_service.create_api_token(db_session=db, user=user, name="fuzz")
    settings = get_settings(workspace=workspace, db=url)
    settings.secret_key = "fuzz-secret-" + "x" * 40
    return create_app(settings), token


def test_api_never_fails_with_a_server_error(fuzz_app):
    app, token = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures, calls = [], []
    for operation in schema.get_all_operations():
        op = operation.ok()

        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            calls.append(case.operation.path)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])

        try:
            check()
        except Exception as exc:  # noqa: BLE001 (hypothesis re-raises the first failing example)
            failures.append(f"{op.method.upper()} {op.path}: {type(exc).__name__}: {str(exc)[:300]}")
    assert failures == []
    assert len(set(calls)) >= 10 and len(calls) >= 40  # every operation was exercised
