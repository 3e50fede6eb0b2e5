"""Personal data out of log lines and error descriptions.

A log line is read by operators, shipped to log stores and kept for longer than the case it
mentions, so nothing in it may name a person. ``redact`` removes what can be recognised in text:
email addresses, UK postcodes and phone numbers by their shape, and the values of fields that
hold answers, notes, names and contact details (``'text': '...'``, ``"answers": {...}``,
``full_name=...``) wherever a dict, JSON document or repr is rendered into a message, the
parameters SQLAlchemy and PostgreSQL quote in their errors, and identity tokens. Free text
outside such a field cannot be recognised: code must not log it (``describe_error`` for
exceptions).

``RedactingFilter`` applies it to every record a handler writes (each service's LOGGING in
``config.yaml``, the gateway's ``logging_config``). Pure Python: the gateway imports it too.

Every pattern is linear in the length of the text: a hostile value cannot slow the logging.
"""

from __future__ import annotations

import logging
import re
import traceback
import uuid
from typing import Any

REDACTED = "[redacted]"
# Longer text is cut before redaction: a log line has no business being this long.
MAX_TEXT = 20_000

EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
# Outward code, an optional space, inward code (SW1A 1AA, M1 1AE, m11ae), as a word of its own.
POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}(?![A-Za-z0-9])"
)
# +44 or 0, then nine or ten digits, spaced or hyphenated as people write them.
PHONE = re.compile(r"(?<![\w+])(?:\+44[ -]?(?:\(0\)[ -]?)?|0)(?:[0-9][ -]?){8,9}[0-9](?![0-9])")

# An identity token (a JSON Web Token): not personal data to read, but a credential to replay.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")

# Fields whose values are personal data wherever they appear: answers, notes and reasons in the
# officer's words, and anything naming or reaching a person. A key ending in one of these words
# is one too (workflow_reason, agreed_reason, contact_text).
SENSITIVE_KEYS = frozenset(
    {
        "answers",
        "text",
        "note",
        "notes",
        "reason",
        "reasons",
        "body",
        "date_of_birth",
        "dob",
        "nino",
        "national_insurance_number",
    }
)
SENSITIVE_KEY_PARTS = ("name", "email", "phone", "postcode", "address", "mobile")
# A key, quoted or bare, then ':' (dicts, JSON) or '=' (reprs, key=value text).
_KEY = re.compile(
    r"""(?P<quote>['"]?)(?<![\w])(?P<key>[A-Za-z_][A-Za-z0-9_]{0,60})(?P=quote)"""
    r"""(?P<sep>\s{0,3}[:=]\s{0,3})"""
)
# What SQLAlchemy and PostgreSQL quote from the statement's values.
_QUOTED_VALUES = re.compile(r"\[parameters: |Key \([^)\n]{0,300}\)=|Failing row contains ")
_CLOSING = {"{": "}", "[": "]", "(": ")"}
# A quoted literal in an error message is where Python and the databases put the value they
# choke on (invalid literal for int(): 'Siobhan'; KeyError: 'jo@…'). Kept: names of columns,
# constraints and fields (lowercase, with an underscore or a dot, or a key before its colon)
# and the files of a traceback.
_QUOTED_LITERAL = re.compile(r"'(?:[^'\\\n]|\\.){0,500}'" r'|"(?:[^"\\\n]|\\.){0,500}"')
_IDENTIFIER = re.compile(r"[a-z0-9_]*[_.][a-z0-9_.]*")
_KEY_NAME = re.compile(r"[a-z][a-z0-9_]{0,60}")
_PATH = re.compile(r"[/<][^\s]*")


def is_sensitive_key(key: str) -> bool:
    lowered = key.lower()
    return lowered.rsplit("_", 1)[-1] in SENSITIVE_KEYS or any(
        part in lowered for part in SENSITIVE_KEY_PARTS
    )


def redact(text: str) -> str:
    """``text`` with the personal data that can be recognised in it replaced."""
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + " [cut]"
    text = JWT.sub("[token]", _redact_quoted_values(text))
    text = _redact_fields(text)
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub("[phone]", text)
    return POSTCODE.sub("[postcode]", text)


def redact_error_text(text: str) -> str:
    """An exception's message or traceback: ``redact``, and every quoted literal that is not an
    identifier masked as well."""
    return _QUOTED_LITERAL.sub(_mask_literal, redact(text))


def _mask_literal(match: re.Match[str]) -> str:
    literal, inner = match.group(), match.group()[1:-1]
    is_key = match.string.startswith(":", match.end()) and _KEY_NAME.fullmatch(inner)
    if is_key or _IDENTIFIER.fullmatch(inner) or _PATH.fullmatch(inner):
        return literal
    return f"{literal[0]}…{literal[0]}"


def _redact_fields(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _KEY.finditer(text):
        if match.start() < position or not is_sensitive_key(match.group("key")):
            continue
        bare = not match.group("quote")
        if bare and match.group("sep").strip() == ":":
            continue  # "reason: ..." in prose is a label, not a rendered field
        start = match.end()
        if start >= len(text):
            continue
        end = _end_of_value(text, start)
        out.append(text[position:start])
        out.append(REDACTED)
        position = end
    out.append(text[position:])
    return "".join(out)


def _redact_quoted_values(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _QUOTED_VALUES.finditer(text):
        if match.start() < position:
            continue
        start = match.end()
        if match.group().startswith("["):
            # "[parameters: (...)]": everything up to the bracket that closes the block.
            end = _end_of_value(text, match.start())
            out.append(text[position : match.start()])
            out.append(f"[parameters: {REDACTED}]")
        else:
            end = _end_of_value(text, start) if start < len(text) else start
            out.append(text[position:start])
            out.append(REDACTED)
        position = end
    out.append(text[position:])
    return "".join(out)


def _end_of_value(text: str, start: int) -> int:
    """Where the value that begins at ``start`` ends: a quoted string, a bracketed structure
    (strings inside it respected), or a bare word up to the next separator. One pass; a value
    left open runs to the end of the text."""
    first = text[start]
    if first in "'\"":
        return _end_of_string(text, start)
    if first not in _CLOSING:
        index = start
        while index < len(text) and text[index] not in ",;)}]\n":
            index += 1
        return index
    stack = [_CLOSING[first]]
    index = start + 1
    while index < len(text) and stack:
        char = text[index]
        if char in "'\"":
            index = _end_of_string(text, index)
            continue
        if char in _CLOSING:
            stack.append(_CLOSING[char])
        elif char == stack[-1]:
            stack.pop()
        index += 1
    return index


def _end_of_string(text: str, start: int) -> int:
    quote, index = text[start], start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index + 1
        index += 1
    return len(text)


def describe_error(error: BaseException) -> str:
    """An exception for the log: each type in its chain with its message redacted
    (``redact_error_text``), then where it was raised. Neither the messages as raised (a database
    error may quote a row, a ``KeyError`` the key) nor the values of local variables. A message
    our own code writes must still name no one: free text cannot be recognised."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(parts) < 5:
        seen.add(id(current))
        message = " ".join(str(current).split())
        parts.append(f"{type(current).__name__}: {redact_error_text(message)[:1000]}")
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    where = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    return " <- ".join(parts) + (f"\n{where}" if where else "")


def new_reference() -> str:
    """A reference to quote: the caller is given it, the log has the cause under it."""
    return uuid.uuid4().hex[:12]


class RedactingFilter(logging.Filter):
    """On a handler: what it writes has the recognisable personal data removed. The record is
    changed in place (message rendered, exception formatted and redacted), so every handler
    after this one sees the redacted record too. A record that carries an exception is treated
    as an error description throughout (``redact_error_text``): its message usually quotes the
    exception's."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    if getattr(record, "redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: log what there is
        message = str(record.msg)
    failed = bool(record.exc_info and record.exc_info[1] is not None) or bool(record.exc_text)
    record.msg, record.args = (redact_error_text if failed else redact)(message), None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info))
    if record.exc_text:
        record.exc_text = redact_error_text(record.exc_text)
    # Formatters use exc_text once it is set; nothing downstream sees the raw exception.
    record.exc_info = None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.redacted = True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for a process that is not started by ``nameko run`` (the
    gateway): one console handler on stderr, with the redacting filter, for the root logger and
    uvicorn's own loggers."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"personal_data": {"()": RedactingFilter}},
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "plain",
                "filters": ["personal_data"],
            },
        },
        "root": {"level": level.upper(), "handlers": ["console"]},
        "loggers": {
            # uvicorn's loggers write through the same handler (never their own).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            # One line per outgoing request at INFO: noise, and the address may carry a code.
            "httpx": {"level": "WARNING"},
            # At DEBUG it writes every frame it sends, RPC bodies and identity tokens included.
            "aiormq": {"level": "INFO"},
        },
    }
