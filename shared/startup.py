"""One clear line for each way a service can fail to start, for the person starting it.

A traceback tells a developer where; an operator starting the suite needs what and which: the
service, the address it tried (password hidden), and the cause in a few words."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_REFUSED = ("connection refused", "econnrefused", "errno 111", "errno 61")
_UNKNOWN_HOST = ("could not translate host name", "name or service not known", "nodename nor")


def hide_password(url: str) -> str:
    """``scheme://user:***@host:port/path``: safe to print and to log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def cause_of(error: BaseException) -> str:
    """The cause in a few words, on one line, with no password in it."""
    text = " ".join(str(error).split()) or type(error).__name__
    lowered = text.lower()
    if any(marker in lowered for marker in _REFUSED):
        return "connection refused"
    if any(marker in lowered for marker in _UNKNOWN_HOST):
        return "unknown host"
    if "timeout" in lowered or "timed out" in lowered:
        return "timed out"
    if "password authentication failed" in lowered:
        return "password authentication failed"
    if "does not exist" in lowered and "database" in lowered:
        return "the database does not exist"
    # SQLAlchemy appends a background link and the statement: neither helps here.
    text = re.sub(r"\s*\(Background on this error at:.*", "", text)
    text = re.sub(r"\s*\[SQL:.*", "", text)
    text = re.sub(r"://([^:/@\s]+):[^@\s]+@", r"://\1:***@", text)
    return text[:300]


def is_unreachable(error: BaseException) -> bool:
    return cause_of(error) in ("connection refused", "unknown host", "timed out")


def database_failure(service: str, url: str, error: BaseException) -> str:
    """``cases: database unreachable at …`` or ``cases: migration failed on …``."""
    where = hide_password(url)
    if is_unreachable(error):
        return f"{service}: database unreachable at {where} ({cause_of(error)})"
    return f"{service}: migration failed on {where}: {cause_of(error)}"


def broker_failure(uri: str, error: BaseException | str) -> str:
    cause = error if isinstance(error, str) else cause_of(error)
    return f"RabbitMQ unreachable at {hide_password(uri)} ({cause})"
