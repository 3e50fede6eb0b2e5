import json, os, time
import pytest
from tests.gateway.conftest import sign_in_customer
from tests.gateway.test_gateway_sign_in import app_access_token

pytestmark = pytest.mark.integration


def test_scratch_hold(front):
    admin = app_access_token(front, "local-admin")["access_token"]
    worker = app_access_token(front, "local-caseworker")["access_token"]
    customer = sign_in_customer(front, "fuzz.customer@example.org")
    env = {
        "url": front.url,
        "admin": admin,
        "worker": worker,
        "cookie": customer.cookies.get("ho_session"),
        "csrf": customer.headers["X-CSRF-Token"],
        "logs": str(front.logs),
    }
    with open("/tmp/fuzzwork/env.json", "w") as f:
        json.dump(env, f)
    while not os.path.exists("/tmp/fuzzwork/stop"):
        time.sleep(1)
