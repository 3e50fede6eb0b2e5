"""Documents an admin writes by hand, in YAML or JSON (question templates, task frameworks),
turned into what an RPC can carry: YAML's dates as ``YYYY-MM-DD`` text, keys as text, and no
more values than a real document has."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

from services.gateway.web.i18n import _l

# How many values a document may hold once YAML's aliases are followed: a few aliases can stand
# for billions of values ("billion laughs"), which must not reach the RPC's JSON encoder.
MAX_VALUES = 100_000


class UnreadableDocument(ValueError):
    """Why a document could not be read, in words for the person who wrote it."""


def read_document(text: str) -> Any:
    """A YAML or JSON document as plain JSON values (YAML's dates as ``YYYY-MM-DD`` text, keys
    as text); ``UnreadableDocument`` if it is not YAML, or holds what JSON cannot."""
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is None:
            raise UnreadableDocument(_l("This is not valid YAML or JSON")) from None
        raise UnreadableDocument(
            _l("This is not valid YAML or JSON at line %(line)s", line=mark.line + 1)
        ) from None
    except RecursionError:
        raise UnreadableDocument(_l("The document is nested too deeply")) from None
    try:
        return _plain(loaded, [MAX_VALUES])
    except RecursionError:
        raise UnreadableDocument(_l("The document is nested too deeply")) from None


def _plain(value: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise UnreadableDocument(
            _l("The document holds more than %(most)s values", most=MAX_VALUES)
        )
    if isinstance(value, dict):
        return {_plain_key(key): _plain(item, budget) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, budget) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise UnreadableDocument(
        _l("A value of the YAML type %(kind)s is not allowed", kind=type(value).__name__)
    )


def _plain_key(key: Any) -> str:
    if isinstance(key, date | datetime):
        return key.isoformat()
    if key is None or isinstance(key, str | int | float | bool):
        return key if isinstance(key, str) else str(key)
    raise UnreadableDocument(_l("A key must be a word, a number or a date"))
