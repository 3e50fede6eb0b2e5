"""A render worker process (``services.documents.isolation`` starts and stops them; not a
command for people). Reads one JSON job a line on stdin, answers one JSON line on stdout:

- ``{"job": "statement", "body", "answers", "max_chars"}`` → ``{"text"}`` or ``{"problem"}``
- ``{"job": "pdf", "html", "seconds", "max_bytes"}`` → ``{"pdf": base64}`` or ``{"error"}``

Its address space is capped (argument 1, in MiB), so a body that builds a huge value fails here
with MemoryError instead of exhausting the machine; it dies with the service that started it.
Nothing it answers or logs contains a body's text or an answer."""

from __future__ import annotations

import base64
import contextlib
import ctypes
import json
import logging
import resource
import signal
import sys
from typing import Any

# Linux: PR_SET_PDEATHSIG, so a worker busy with a hostile body dies with its service.
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Not Linux: the worker still ends when its stdin closes, once it is idle.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _cap_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    from services.documents import rendering

    if job.get("job") == "statement":
        try:
            text = rendering.statement_text(job["body"], job["answers"], int(job["max_chars"]))
        except rendering.StatementTooLong:
            return {"problem": "too_long"}
        except MemoryError:
            return {"problem": "too_long", "exit": True}
        except Exception:  # noqa: BLE001 - any error of a body is that body's failure
            return {"problem": "failed"}
        return {"text": text}
    if job.get("job") == "pdf":
        try:
            pdf = rendering.html_to_pdf(job["html"], float(job["seconds"]))
        except rendering.RenderFailed as failed:
            return {"error": str(failed)}
        except MemoryError:
            return {"error": "PDF conversion ran out of memory", "exit": True}
        if len(pdf) > int(job["max_bytes"]):
            return {"error": f"the PDF is larger than {job['max_bytes']} bytes"}
        return {"pdf": base64.b64encode(pdf).decode("ascii")}
    return {"error": "unknown job"}


def main() -> None:
    _die_with_parent()
    # The renderer collects its warnings itself (a warning fails the PDF); none is printed, as
    # they may quote the document.
    logging.getLogger().addHandler(logging.NullHandler())
    from services.documents import rendering  # noqa: F401 - imported once, before "ready"

    _cap_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 1024)
    out = sys.stdout.buffer
    out.write(b'{"ready": true}\n')
    out.flush()
    for line in sys.stdin.buffer:
        reply = run_job(json.loads(line))
        out.write(json.dumps(reply).encode("utf-8") + b"\n")
        out.flush()
        if reply.get("exit"):
            return  # after a MemoryError its state is not to be trusted: the pool starts another


if __name__ == "__main__":
    main()
