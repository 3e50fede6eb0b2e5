"""No Docker engine runs in CI, so docker-compose.yml is kept honest here: every service it
declares runs the same `nameko run` command as `make run` and the end-to-end tests, and every
variable it sets is one the service's config.yaml reads."""

import re
from pathlib import Path

import yaml

from shared.config import SERVICES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def config_variables(service: str) -> set[str]:
    text = (ROOT / "services" / service / "config.yaml").read_text()
    return set(re.findall(r"\$\{(\w+)", text))


def test_every_service_has_a_container_and_a_database():
    for service in SERVICES:
        environment = COMPOSE["services"][service]["environment"]
        assert environment["SERVICE"] == service
        url = environment[f"{service.upper()}_DATABASE_URL"]
        assert url.endswith(f"/housing_{service}")
        assert f"{service.upper()}_DATABASE_URL" in config_variables(service)
        assert "AMQP_URI" in config_variables(service)
    init = (ROOT / "deploy" / "postgres-init.sql").read_text()
    assert all(f"CREATE DATABASE housing_{s};" in init for s in SERVICES)


def test_compose_only_sets_variables_the_services_read():
    for service in SERVICES:
        environment = COMPOSE["services"][service]["environment"]
        unknown = set(environment) - config_variables(service) - {"SERVICE", "LOG_LEVEL"}
        assert not unknown, (service, unknown)


def test_every_service_container_trusts_a_mounted_identity_key_and_has_its_own_broker_user():
    for service in SERVICES:
        container = COMPOSE["services"][service]
        key = container["environment"]["IDENTITY_PUBLIC_KEYS"]
        assert any(volume.endswith(f":{key}:ro") for volume in container["volumes"]), service
        # No default: compose refuses to start without the key, as without the passwords.
        assert any("${IDENTITY_PUBLIC_KEY_FILE:?" in volume for volume in container["volumes"])
        assert container["environment"]["AMQP_URI"].startswith(f"amqp://svc-{service}:${{")
        assert "guest" not in container["environment"]["AMQP_URI"]


def test_containers_run_the_same_command_as_make_run_and_the_e2e_tests():
    command = "nameko run --config services/${SERVICE}/config.yaml services.${SERVICE}.service"
    assert command in (ROOT / "deploy" / "Dockerfile").read_text()
    # `make run` (scripts/run_local.py) and the end-to-end and fault suites start their
    # processes through scripts/processes.py.
    assert "ServiceProcesses" in (ROOT / "scripts" / "run_local.py").read_text()
    local = " ".join((ROOT / "scripts" / "processes.py").read_text().split())
    assert (
        'NAMEKO, "run", "--config", f"services/{service}/config.yaml", '
        'f"services.{service}.service",' in local
    )


def gateway_settings() -> set[str]:
    text = (ROOT / "services" / "gateway" / "settings.py").read_text()
    return set(re.findall(r'(?:text|number|flag)\("(\w+)"', text)) | set(
        re.findall(r'RateLimit\.parse\(\s*"(\w+)"', text)
    )


def test_the_gateway_container_runs_make_runs_command_with_settings_it_reads():
    gateway = COMPOSE["services"]["gateway"]
    environment = gateway["environment"]
    unknown = set(environment) - gateway_settings() - {"LOG_LEVEL", "GATEWAY_TRUSTED_PROXIES"}
    assert not unknown, unknown
    assert environment["AMQP_URI"].startswith("amqp://svc-gateway:${")
    assert environment["GATEWAY_DATABASE_URL"].endswith("/housing_gateway")
    assert "CREATE DATABASE housing_gateway;" in (ROOT / "deploy" / "postgres-init.sql").read_text()
    key = environment["IDENTITY_SIGNING_KEY"]
    assert any(volume.endswith(f":{key}:ro") for volume in gateway["volumes"])
    # The session secret and public address have no default: compose refuses without them.
    assert environment["SESSION_SECRET"].startswith("${SESSION_SECRET:?")
    assert "python -m services.gateway --host 0.0.0.0 --port 8000" in " ".join(gateway["command"])
    from scripts.run_local import gateway_command

    assert gateway_command(8000)[1:3] == ["-m", "services.gateway"]
    assert "api/v1/health" in " ".join(gateway["healthcheck"]["test"])
    assert "8000:8000" in gateway["ports"]


def test_management_ui_and_postgres_are_exposed_for_operators():
    assert "15672:15672" in COMPOSE["services"]["rabbitmq"]["ports"]
    assert COMPOSE["services"]["rabbitmq"]["image"].endswith("-management")


def test_asyncapi_document_lists_every_documented_event():
    asyncapi = yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text())
    schemas = {p.name for p in (ROOT / "docs" / "schemas").glob("*.v*.json")}
    referenced = {
        m["payload"]["$ref"].split("/")[-1] for m in asyncapi["components"]["messages"].values()
    }
    assert referenced == schemas
    for channel in asyncapi["channels"].values():
        message = channel["subscribe"]["message"]
        for ref in message.get("oneOf", [message]):
            assert ref["$ref"].split("/")[-1] in asyncapi["components"]["messages"]


def test_asyncapi_document_is_up_to_date():
    from scripts.make_asyncapi import render

    assert (ROOT / "docs" / "asyncapi.yaml").read_text() == render(), (
        "run: python -m scripts.make_asyncapi"
    )


def test_the_cases_service_subscribes_to_every_task_event_the_tasks_service_publishes():
    # Cases generates one handler per shared.contracts.TASK_EVENTS (no service imports
    # another); the tasks service's own list must be the same, each documented.
    from services.tasks.events import TASK_EVENT_VERSIONS
    from shared.contracts import TASK_EVENTS

    assert set(TASK_EVENT_VERSIONS) == set(TASK_EVENTS)
    for event_type, version in TASK_EVENT_VERSIONS.items():
        assert (ROOT / "docs" / "schemas" / f"{event_type}.v{version}.json").exists()
