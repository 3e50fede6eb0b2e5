"""What `make run` and `make test` do about a missing broker or database, on made-up machines,
and the one-line messages for services that cannot start."""

from __future__ import annotations

import socket
import threading

import pytest
import yaml

from scripts.local_services import (
    ROOT,
    Ensure,
    Machine,
    Missing,
    NotReady,
    Ready,
    Start,
    address_of,
    amqp_probe,
    plan_broker,
    plan_management,
    plan_postgres,
    rabbit_api_uri,
)
from scripts.processes import reason_from_log
from shared.startup import broker_failure, cause_of, database_failure, hide_password

LOCAL = address_of("amqp://guest:guest@localhost:5672/", 5672)
DEBIAN_WITH_RABBIT = Machine(
    platform="debian",
    rabbitmq_server="/usr/sbin/rabbitmq-server",
    rabbitmq_plugins="/usr/sbin/rabbitmq-plugins",
)


def test_a_broker_that_answers_is_used_as_it_is():
    assert plan_broker(LOCAL, None, Machine()) == Ready()


def test_a_stopped_local_broker_is_started_when_installed_and_the_user_is_told():
    plan = plan_broker(LOCAL, "connection refused", DEBIAN_WITH_RABBIT)
    assert isinstance(plan, Start)
    assert plan.command == ("/usr/sbin/rabbitmq-server", "-detached")
    assert "RabbitMQ was not running" in plan.says and "rabbitmq-server -detached" in plan.says


def test_docker_is_the_next_choice_and_starts_the_container_compose_names():
    plan = plan_broker(LOCAL, "connection refused", Machine(platform="macos", docker=True))
    assert isinstance(plan, Start)
    assert plan.command[:2] == ("docker", "compose") and plan.command[-3:] == (
        "up",
        "-d",
        "rabbitmq",
    )
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "rabbitmq" in compose["services"] and "postgres" in compose["services"]
    assert any("5432" in port for port in compose["services"]["postgres"]["ports"])


@pytest.mark.parametrize(
    ("platform", "command"),
    [
        ("debian", "sudo apt-get install -y rabbitmq-server && sudo service rabbitmq-server start"),
        ("macos", "brew install rabbitmq && brew services start rabbitmq"),
        ("fedora", "sudo dnf install -y rabbitmq-server"),
        ("windows", "WSL (Ubuntu), then inside it: sudo apt-get install -y rabbitmq-server"),
        ("other", "docker compose up -d rabbitmq"),
    ],
)
def test_with_nothing_to_start_one_line_gives_the_platforms_command(platform, command):
    plan = plan_broker(LOCAL, "connection refused", Machine(platform=platform))
    assert isinstance(plan, Missing)
    assert "\n" not in plan.line
    assert plan.line.startswith(
        "RabbitMQ unreachable at amqp://guest:***@localhost:5672/ (connection refused)"
    )
    assert command in plan.line


def test_a_named_broker_elsewhere_is_never_replaced_by_a_local_one():
    elsewhere = address_of("amqp://svc:secret@rabbit.internal:5672/", 5672)
    plan = plan_broker(elsewhere, "connection refused", DEBIAN_WITH_RABBIT)
    assert isinstance(plan, Missing)
    assert "secret" not in plan.line and "svc:***@rabbit.internal" in plan.line
    other_port = address_of("amqp://guest:guest@127.0.0.1:5999/", 5672)
    assert isinstance(plan_broker(other_port, "connection refused", DEBIAN_WITH_RABBIT), Missing)


def test_a_port_taken_by_another_program_is_named_not_started_over():
    plan = plan_broker(LOCAL, "port 5672 is in use by a program that is not RabbitMQ", Machine())
    assert isinstance(plan, Missing)
    assert "port 5672 is in use by a program that is not RabbitMQ" in plan.line


def test_the_amqp_probe_tells_a_broker_from_another_program_and_a_closed_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def answer_like_http() -> None:
        connection, _ = server.accept()
        connection.recv(8)
        connection.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        connection.close()

    threading.Thread(target=answer_like_http, daemon=True).start()
    taken = address_of(f"amqp://guest:guest@127.0.0.1:{port}/", 5672)
    assert amqp_probe(taken) == f"port {port} is in use by a program that is not RabbitMQ"
    server.close()
    assert amqp_probe(taken) == "connection refused"


def test_management_api_is_enabled_on_a_local_broker_or_asked_for():
    api = "http://guest:guest@localhost:15672"
    plan = plan_management(api, LOCAL, "connection refused", DEBIAN_WITH_RABBIT)
    assert isinstance(plan, Start)
    assert plan.command[1:] == ("enable", "rabbitmq_management")
    missing = plan_management(api, LOCAL, "connection refused", Machine(platform="debian"))
    assert isinstance(missing, Missing)
    assert missing.line.endswith("sudo rabbitmq-plugins enable rabbitmq_management")
    assert "guest:***@localhost:15672" in missing.line
    refused = plan_management(api, LOCAL, "it refused the credentials", DEBIAN_WITH_RABBIT)
    assert isinstance(refused, Missing) and "RABBIT_API_URI" in refused.line


def test_postgres_is_started_from_its_cluster_or_docker_or_asked_for():
    address = address_of("postgresql://postgres@127.0.0.1:5432/postgres", 5432)
    cluster = Machine(
        platform="debian", pg_ctlcluster="/usr/bin/pg_ctlcluster", pg_clusters=("15 main",)
    )
    plan = plan_postgres(address, "connection refused", cluster)
    assert isinstance(plan, Start)
    assert plan.command == (
        "/usr/bin/pg_ctlcluster",
        "--skip-systemctl-redirect",
        "15",
        "main",
        "start",
    )
    docker = plan_postgres(address, "connection refused", Machine(docker=True))
    assert isinstance(docker, Start) and docker.command[-1] == "postgres"
    mac = plan_postgres(address, "connection refused", Machine(platform="macos"))
    assert isinstance(mac, Missing) and "brew services start postgresql@16" in mac.line
    auth = plan_postgres(address, "password authentication failed", cluster)
    assert isinstance(auth, Missing) and "TEST_POSTGRES_URL" in auth.line


def test_a_start_command_that_fails_is_one_line_with_its_last_words():
    said: list[str] = []
    ensure = Ensure(machine=Machine(), say=said.append)
    plan = Start(
        ("sh", "-c", "echo 'Only root or rabbitmq can run rabbitmq-server' >&2; exit 1"), "starting"
    )
    with pytest.raises(NotReady) as raised:
        ensure.carry_out(plan, lambda: "connection refused")
    assert said == ["starting"]
    assert str(raised.value).endswith("failed: Only root or rabbitmq can run rabbitmq-server")


def test_a_started_server_that_never_answers_is_reported_after_its_wait():
    ensure = Ensure(machine=Machine(), say=lambda _: None)
    with pytest.raises(NotReady, match="still not answering after 1 s"):
        ensure.carry_out(Start(("true",), "starting", wait_seconds=1), lambda: "connection refused")


def test_tests_reach_the_management_api_on_the_brokers_host(monkeypatch):
    monkeypatch.delenv("RABBIT_API_URI", raising=False)
    monkeypatch.setenv("AMQP_URI", "amqp://ops:pw@rabbit.internal:5672/")
    assert rabbit_api_uri() == "http://ops:pw@rabbit.internal:15672"
    monkeypatch.setenv("RABBIT_API_URI", "http://a:b@mgmt:8080")
    assert rabbit_api_uri() == "http://a:b@mgmt:8080"


def test_passwords_never_reach_a_message():
    assert hide_password("postgresql://housing:hunter2@db:5432/x") == (
        "postgresql://housing:***@db:5432/x"
    )
    assert hide_password("sqlite:///var/cases.db") == "sqlite:///var/cases.db"
    error = Exception('connection to "postgresql://u:hunter2@db/x" failed: FATAL: oops')
    assert "hunter2" not in cause_of(error)
    assert "hunter2" not in broker_failure("amqp://u:hunter2@h:5672/", error)


def test_database_failures_name_the_service_and_the_cause():
    refused = ConnectionRefusedError(111, "Connection refused")
    assert database_failure("cases", "postgresql://u:p@db:5432/c", refused) == (
        "cases: database unreachable at postgresql://u:***@db:5432/c (connection refused)"
    )
    broken = RuntimeError('relation "cases" already exists')
    assert database_failure("cases", "sqlite:///c.db", broken) == (
        'cases: migration failed on sqlite:///c.db: relation "cases" already exists'
    )


def test_the_reason_a_service_stopped_comes_from_its_log():
    traceback = [
        "Traceback (most recent call last):",
        '  File "x.py", line 1, in <module>',
        "ConnectionRefusedError: [Errno 111] ECONNREFUSED",
    ]
    assert reason_from_log("cases", traceback, 1) == "ConnectionRefusedError: connection refused"
    own_line = [
        "2026-11-25 cases: database unreachable at sqlite:///x (unknown host)",
        *traceback,
    ]
    assert reason_from_log("cases-2", own_line, 1) == (
        "cases: database unreachable at sqlite:///x (unknown host)"
    )
    assert reason_from_log("tasks", ["started"], -9) == "exited with status -9"
