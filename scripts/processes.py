"""The services as separate `nameko run` processes (the command every container runs), for
``make run`` (scripts/run_local.py) and the end-to-end and fault suites."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from shared.startup import cause_of

ROOT = Path(__file__).resolve().parents[1]
NAMEKO = str(Path(sys.executable).parent / "nameko")
# The last line of a Python traceback: "package.module.SomeError: what happened".
_EXCEPTION_LINE = re.compile(
    r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Exit|Refused)\w*)(?::\s*(.*))?$"
)


class ServiceProcesses:
    """``replicas`` `nameko run` processes per service, each logging to ``<logs>/<name>.log``
    (``tasks``, ``tasks-2``, …)."""

    def __init__(
        self,
        env: dict[str, str],
        logs: Path,
        replicas: int = 1,
        own_sessions: bool = False,
        env_for: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.env = env
        # What one service's processes have besides (its own broker user's AMQP_URI).
        self.env_for = env_for or {}
        self.logs = logs
        self.replicas = replicas
        # Own sessions: a terminal's Ctrl-C reaches only the supervisor, which then stops each
        # service exactly once (nameko hangs when told to stop twice).
        self.own_sessions = own_sessions
        self.processes: dict[str, subprocess.Popen] = {}
        self.kills: Counter[str] = Counter()

    def start_all(self, services: list[str]) -> None:
        for service in services:
            for replica in range(1, self.replicas + 1):
                self.start(service, replica)

    def start(self, service: str, replica: int = 1) -> None:
        name = service if replica == 1 else f"{service}-{replica}"
        with open(self.log_of(name), "ab") as log:
            self.processes[name] = subprocess.Popen(
                [
                    NAMEKO,
                    "run",
                    "--config",
                    f"services/{service}/config.yaml",
                    f"services.{service}.service",
                ],
                cwd=ROOT,
                env={**self.env, **self.env_for.get(service, {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.own_sessions,
            )

    def start_program(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        """A process that is not a nameko service (the gateway, the local identity provider),
        supervised and stopped with the rest."""
        with open(self.log_of(name), "ab") as log:
            self.processes[name] = subprocess.Popen(
                argv,
                cwd=ROOT,
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=self.own_sessions,
            )

    def log_of(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def kill_and_restart(self, service: str) -> None:
        """SIGKILL of the service's first replica (the others, if any, carry on): no shutdown,
        no acks, transactions cut wherever they are."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.kills[service] += 1
        self.start(service)

    def exited(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def why_exited(self, name: str) -> str:
        """The cause in one line, from the process's log: the service's own one-line startup
        error if it wrote one, else the exception that ended it."""
        lines = self.log_of(name).read_text(errors="replace").splitlines()
        return reason_from_log(name, lines, self.processes[name].returncode)

    def stop_all(self, grace_seconds: float = 30) -> None:
        """SIGTERM to each (nameko stops gracefully), then SIGKILL for whatever is still running
        after ``grace_seconds``."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def reason_from_log(name: str, lines: list[str], returncode: int | None) -> str:
    service = name.split("-")[0]
    for line in reversed(lines):
        # shared.startup's lines: "cases: database unreachable at …", "cases: migration failed …"
        marker = line.find(f"{service}: ")
        if marker >= 0 and ("database unreachable" in line or "migration failed" in line):
            return line[marker:].strip()
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line.strip())
        if match:
            kind, message = match.groups()
            return f"{kind}: {cause_of(Exception(message or kind))}"
    return f"exited with status {returncode}"
