"""What untrusted input can slow down, rendered away from the service's event loop.

Under eventlet every worker of the service shares one thread: a statement body that loops for
ever, or a PDF conversion of a huge document, would stop the whole service, health checks
included. So statement bodies and PDF conversions run in a few long-lived worker processes
(``python -m services.documents.render_worker``) while the calling green thread waits on their
pipe. Each job has a time budget: a worker that overruns it is killed and replaced, and the job
fails (a statement is left out of its pack; a PDF fails its document). Each worker also has a
memory ceiling, and a statement's output is capped while it is produced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from services.documents import rendering

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60.0
# Bodies that overran their time, remembered by digest so that each pack using one does not
# wait for it again (until the service restarts); bounded like any cache of outside input.
REMEMBERED_OVERRUNS = 1000
# Problems a statement can have, as officers see them on the document.
TOO_SLOW, TOO_LONG, FAILED = "too_slow", "too_long", "failed"


@dataclass(frozen=True)
class RenderLimits:
    """The render budget (docs/documents.md, "Render budget"); every value is configurable."""

    statement_seconds: float = 2.0
    statement_max_chars: int = rendering.STATEMENT_MAX_CHARS
    pdf_seconds: float = rendering.PDF_MAX_SECONDS
    pdf_max_bytes: int = 20 * 1024 * 1024
    workers: int = 2
    worker_memory_mb: int = 1024

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RenderLimits:
        defaults = cls()

        def number(name: str, default: float, kind: type = int) -> Any:
            value = config.get(name)
            value = kind(default if value in (None, "") else value)
            if value <= 0:
                raise ValueError(f"{name} must be more than 0")
            return value

        return cls(
            statement_seconds=number(
                "DOCUMENT_STATEMENT_SECONDS", defaults.statement_seconds, float
            ),
            statement_max_chars=number(
                "DOCUMENT_STATEMENT_MAX_CHARS", defaults.statement_max_chars
            ),
            pdf_seconds=number("DOCUMENT_PDF_SECONDS", defaults.pdf_seconds, float),
            pdf_max_bytes=number("DOCUMENT_PDF_MAX_BYTES", defaults.pdf_max_bytes),
            workers=number("DOCUMENT_RENDER_WORKERS", defaults.workers),
            worker_memory_mb=number("DOCUMENT_RENDER_MEMORY_MB", defaults.worker_memory_mb),
        )


class StatementProblem(Exception):
    """One statement could not be rendered within its budget: ``kind`` is ``too_slow``,
    ``too_long`` (output over the limit, or out of memory) or ``failed`` (the body does not
    render). Never carries the body or the answers."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class _Overran(Exception):
    pass


class _Worker:
    """One worker process and its pipes; one job at a time."""

    def __init__(self, memory_mb: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.documents.render_worker", str(memory_mb)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._buffer = b""
        try:
            ready = self._read_reply(time.monotonic() + STARTUP_SECONDS).get("ready") is True
        except (_Overran, rendering.RenderFailed, ValueError):
            ready = False
        if not ready:
            self.kill()
            raise rendering.RenderFailed("the render worker did not start")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict[str, Any], seconds: float, max_bytes: int) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request, default=str).encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise rendering.RenderFailed("the render worker stopped") from None
        return self._read_reply(time.monotonic() + seconds, max_bytes)

    def _read_reply(self, deadline: float, max_bytes: int = 1 << 20) -> dict[str, Any]:
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or len(self._buffer) > max_bytes:
                raise _Overran
            # select is eventlet's under nameko: this green thread waits, the others run.
            ready, _, _ = select.select([descriptor], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(descriptor, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise rendering.RenderFailed("the render worker stopped")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class RenderWorkers:
    """A pool of ``limits.workers`` worker processes, started when first needed."""

    def __init__(self, limits: RenderLimits | None = None) -> None:
        self.limits = limits or RenderLimits()
        self._slots = threading.BoundedSemaphore(self.limits.workers)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self._overran: dict[str, None] = {}

    def statement(self, body: str, answers: dict[str, Any]) -> Markup:
        """One statement body personalised, as escaped paragraphs; ``StatementProblem`` if it
        overruns its time or size or does not render."""
        limits = self.limits
        request = {
            "job": "statement",
            "body": body,
            "answers": answers,
            "max_chars": limits.statement_max_chars,
        }
        # A character can take 6 bytes in JSON (\uXXXX escapes).
        room = limits.statement_max_chars * 6 + 1024
        digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        if digest in self._overran:
            raise StatementProblem(TOO_SLOW)
        try:
            reply = self._run(request, limits.statement_seconds, room)
        except _Overran:
            self._overran[digest] = None
            while len(self._overran) > REMEMBERED_OVERRUNS:
                del self._overran[next(iter(self._overran))]
            raise StatementProblem(TOO_SLOW) from None
        except rendering.RenderFailed:
            raise StatementProblem(FAILED) from None
        if "problem" in reply:
            raise StatementProblem(reply["problem"])
        text = reply.get("text")
        if not isinstance(text, str) or len(text) > limits.statement_max_chars:
            raise StatementProblem(TOO_LONG)
        return rendering.as_paragraphs(text)

    def pdf(self, html: str) -> bytes:
        """The PDF of a document's HTML; ``RenderFailed`` if the conversion fails, overruns
        ``pdf_seconds`` or produces more than ``pdf_max_bytes``."""
        limits = self.limits
        request = {
            "job": "pdf",
            "html": html,
            # xhtml2pdf stops itself at its deadline; the pipe's wait is the backstop.
            "seconds": limits.pdf_seconds,
            "max_bytes": limits.pdf_max_bytes,
        }
        room = limits.pdf_max_bytes * 4 // 3 + 1024
        try:
            reply = self._run(request, limits.pdf_seconds + 1, room)
        except _Overran:
            raise rendering.RenderFailed(
                f"PDF conversion took longer than {limits.pdf_seconds:g} s"
            ) from None
        if "error" in reply:
            raise rendering.RenderFailed(str(reply["error"])[:1000])
        return base64.b64decode(reply["pdf"])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def _run(self, request: dict[str, Any], seconds: float, max_bytes: int) -> dict[str, Any]:
        with self._slots:
            worker = self._take()
            try:
                reply = worker.ask(request, seconds, max_bytes)
            except BaseException:
                # Overran, stopped or interrupted mid-job: its state is unknown, so it goes.
                worker.kill()
                raise
            if reply.get("exit"):
                worker.kill()  # it ran out of memory and stops itself
            else:
                self._give_back(worker)
            return reply

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise rendering.RenderFailed("the render workers are stopped")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.kill()
        return _Worker(self.limits.worker_memory_mb)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if self._closed or not worker.alive:
                worker.kill()
            else:
                self._idle.append(worker)


_shared: RenderWorkers | None = None


def shared_workers() -> RenderWorkers:
    """One pool with the default limits, for callers that bring none (tools, tests)."""
    global _shared
    if _shared is None:
        _shared = RenderWorkers()
    return _shared
