"""The gateway's asyncio RPC client against real nameko services and the real broker, run in a
process of its own (tests/gateway_probe.py): the gateway never shares a process with eventlet,
which this test process runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from services.cases.service import CasesService
from services.enquiry.service import EnquiryService
from tests.identity import token

NEWEST_STARTER = max(
    yaml.safe_load(path.read_text())["version"]
    for path in (Path(__file__).resolve().parents[2] / "services/enquiry/seed").glob("*.yaml")
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_calls_carry_the_identity_map_errors_back_time_out_and_survive_a_dropped_connection(
    container_factory, service_config, request
):
    for service_cls, name in ((CasesService, "cases"), (EnquiryService, "enquiry")):
        container_factory(service_cls, service_config(name)).start()
    config = service_config("cases")
    probe = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.gateway_probe",
            config["AMQP_URI"],
            request.config.getoption("RABBIT_API_URI"),
            token(["caseworker"], "officer:gateway"),
            "not-a-token",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    assert report["health"]["result"]["status"] == "ok"
    assert report["template"]["result"]["key"] == "housing-options-enquiry"
    # The services' typed errors come back as themselves, with their arguments.
    assert report["not_found"] == {"error": "NotFound", "args": ["case", "HO-1999-000001"]}
    assert report["invalid"]["error"] == "ValidationFailed"
    assert "answers" in report["invalid"]["args"][0]
    assert report["no_token"] == {"error": "Forbidden", "args": ["list_cases", "no identity token"]}
    assert report["bad_token"]["error"] == "Forbidden"
    # What the service did not raise on purpose: its type only.
    assert report["bad_arguments"]["error"] == "RemoteError"
    assert report["bad_arguments"]["args"][0] == "IncorrectSignature"
    assert report["nowhere"]["error"] == "RpcTimeout"
    # Twenty-five calls at once on one reply queue, each matched to its own reply.
    # The newest starter template (services/enquiry/seed): the same for every one of them.
    assert report["concurrent"] == [[NEWEST_STARTER], 25]
    # The broker closed the connection (as in a restart): the client reconnected by itself.
    assert report["dropped"] is True
    assert report["after_reconnect"]["result"]["status"] == "ok"
    # Calls made while it was down failed fast and typed, never hung or crashed the client.
    assert set(report["while_reconnecting"]) <= {"BrokerUnavailable", "RpcTimeout"}
