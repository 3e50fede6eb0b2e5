"""The services as separate `nameko run` processes (the command every container runs), for the
end-to-end and fault suites."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMEKO = str(Path(sys.executable).parent / "nameko")


class ServiceProcesses:
    """``replicas`` `nameko run` processes per service, each logging to ``<logs>/<name>.log``
    (``tasks``, ``tasks-2``, …)."""

    def __init__(self, env: dict[str, str], logs: Path, replicas: int = 1) -> None:
        self.env = env
        self.logs = logs
        self.replicas = replicas
        self.processes: dict[str, subprocess.Popen] = {}
        self.kills: Counter[str] = Counter()

    def start_all(self, services: list[str]) -> None:
        for service in services:
            for replica in range(1, self.replicas + 1):
                self.start(service, replica)

    def start(self, service: str, replica: int = 1) -> None:
        name = service if replica == 1 else f"{service}-{replica}"
        with open(self.logs / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                [
                    NAMEKO,
                    "run",
                    "--config",
                    f"services/{service}/config.yaml",
                    f"services.{service}.service",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

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

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
