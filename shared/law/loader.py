"""Reads the law pack files (packs/<nation>.yaml) into model values, refusing anything the schema
does not know: a misspelt key in a pack would otherwise silently drop a rule.

File layout::

    nation: england
    definitions: {...}   # anchors only, ignored
    common: {homelessness_law, threatened_within, threatened_citation, review_categories}
    packs:
      - {key, title, effective_from, effective_to, summary, sources, unverified, notice_types}

``common`` is merged into each pack (a pack may override any of it). YAML anchors share ground
lists between the packs of one file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from shared.law.counting import COUNTINGS, UNITS, TimeSpan
from shared.law.errors import NATIONS, LawPackInvalid
from shared.law.model import (
    ANCHORS,
    MEASURED_ON,
    RULE_NAMES,
    THREATENED_RULES,
    Abolition,
    Bar,
    ClaimWindow,
    Cutoff,
    EarlyTenancy,
    Ground,
    LawPack,
    NoticeMinimum,
    NoticeType,
    Rules,
    Threatened,
)

PACKS_DIR = Path(__file__).with_name("packs")
KEY = re.compile(r"^[a-z0-9_]+$")
# Notice types the checker answers "unclear" for without a pack saying so.
UNSURE_NOTICE_TYPES = ("other", "not_sure")

SOURCED = {"citation", "unverified", "note"}
SPAN = {"length", "unit", "counting", "add_days"}


class _At:
    """Where in which file a value sits, for error messages."""

    def __init__(self, file: str, path: str = "") -> None:
        self.file, self.path = file, path

    def __truediv__(self, part: object) -> _At:
        return _At(self.file, f"{self.path}.{part}" if self.path else str(part))

    def fail(self, message: str) -> LawPackInvalid:
        return LawPackInvalid(f"{self.file}:{self.path or '(top)'}", message)


def load_packs(directory: Path = PACKS_DIR) -> tuple[LawPack, ...]:
    """Every pack in ``directory``, ordered by nation (as NATIONS) then start date; validated,
    including that each nation's packs follow one another without gap or overlap."""
    packs: list[LawPack] = []
    for path in sorted(directory.glob("*.yaml")):
        packs.extend(_read_file(path))
    packs.sort(key=lambda pack: (NATIONS.index(pack.nation), pack.effective_from))
    _check_sequence(packs)
    return tuple(packs)


def _read_file(path: Path) -> list[LawPack]:
    at = _At(path.name)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise at.fail(f"is not valid YAML: {error}") from None
    # ``definitions`` only holds YAML anchors for the packs to share.
    data = _mapping(data, at, required={"nation", "packs"}, optional={"common", "definitions"})
    nation = data["nation"]
    if nation not in NATIONS:
        raise (at / "nation").fail(f"must be one of {', '.join(NATIONS)}")
    common = _mapping(data.get("common") or {}, at / "common", optional=PACK_FIELDS)
    entries = data["packs"]
    if not isinstance(entries, list) or not entries:
        raise (at / "packs").fail("must be a non-empty list")
    return [
        _pack(nation, {**common, **_dict(e, at / "packs" / i)}, at / "packs" / i)
        for i, e in enumerate(entries)
    ]


PACK_FIELDS = {
    "key",
    "title",
    "effective_from",
    "effective_to",
    "summary",
    "sources",
    "unverified",
    "notice_types",
    "homelessness_law",
    "threatened_within",
    "threatened_citation",
    "review_categories",
}
PACK_REQUIRED = PACK_FIELDS - {"effective_to", "unverified"}


def _pack(nation: str, data: dict[str, Any], at: _At) -> LawPack:
    _mapping(data, at, required=PACK_REQUIRED, optional=PACK_FIELDS)
    effective_from = _date(data["effective_from"], at / "effective_from")
    effective_to = data.get("effective_to")
    if effective_to is not None:
        effective_to = _date(effective_to, at / "effective_to")
        if effective_to < effective_from:
            raise (at / "effective_to").fail("is before effective_from")
    key = _text(data["key"], at / "key")
    if key != f"{nation}-{effective_from.isoformat()}":
        raise (at / "key").fail(f"must be {nation}-{effective_from.isoformat()}")
    window = _mapping(
        data["threatened_within"],
        at / "threatened_within",
        required={"length", "unit"},
        optional=SPAN,
    )
    notice_types = _mapping(data["notice_types"], at / "notice_types")
    if not notice_types:
        raise (at / "notice_types").fail("must name at least one notice type")
    categories = _texts(data["review_categories"], at / "review_categories")
    if len(set(categories)) != len(categories):
        raise (at / "review_categories").fail("has a category twice")
    return LawPack(
        key=key,
        nation=nation,
        title=_text(data["title"], at / "title"),
        effective_from=effective_from,
        effective_to=effective_to,
        threatened_within=_span(
            window, at / "threatened_within", default_counting="beginning_with"
        ),
        threatened_citation=_text(data["threatened_citation"], at / "threatened_citation"),
        notice_types=MappingProxyType(
            {
                name: _notice_type(name, value, at / "notice_types" / name)
                for name, value in notice_types.items()
            }
        ),
        review_categories=categories,
        homelessness_law=_text(data["homelessness_law"], at / "homelessness_law"),
        sources=_texts(data["sources"], at / "sources"),
        summary=_text(data["summary"], at / "summary"),
        unverified=_texts(data.get("unverified", []), at / "unverified", allow_empty=True),
    )


NOTICE_FIELDS = {"label", "citation", "threatened", "grounds", "not_checked", "notes", *RULE_NAMES}


def _notice_type(name: str, data: Any, at: _At) -> NoticeType:
    if not KEY.match(str(name)) or name in UNSURE_NOTICE_TYPES:
        raise at.fail("a notice type key is snake_case and not 'other' or 'not_sure'")
    data = _mapping(data, at, required={"label", "citation", "threatened"}, optional=NOTICE_FIELDS)
    threatened = _mapping(
        data["threatened"],
        at / "threatened",
        required={"rule", "citation"},
        optional=SOURCED | {"rule"},
    )
    if threatened["rule"] not in THREATENED_RULES:
        raise (at / "threatened" / "rule").fail(f"must be one of {', '.join(THREATENED_RULES)}")
    rules = _rules(data, at)
    grounds = {
        key: _ground(key, value, at / "grounds" / key)
        for key, value in _mapping(data.get("grounds") or {}, at / "grounds").items()
    }
    notice = NoticeType(
        key=name,
        label=_text(data["label"], at / "label"),
        citation=_text(data["citation"], at / "citation"),
        threatened=Threatened(rule=threatened["rule"], **_sourced(threatened, at / "threatened")),
        rules=rules,
        grounds=MappingProxyType(grounds),
        not_checked=_texts(data.get("not_checked", []), at / "not_checked", allow_empty=True),
        notes=_texts(data.get("notes", []), at / "notes", allow_empty=True),
    )
    for ground in grounds or [None]:
        effective = notice.rules_for(ground)
        if effective.abolished is None and effective.minimum_notice is None:
            where = at / "grounds" / ground if ground else at
            raise where.fail("needs a minimum_notice (or abolished) for the checker to apply")
    return notice


GROUND_FIELDS = {"label", "citation", "notes", *RULE_NAMES}


def _ground(key: Any, data: Any, at: _At) -> Ground:
    if not KEY.match(str(key)) or key in UNSURE_NOTICE_TYPES:
        raise at.fail("a ground key is snake_case and not 'other' or 'not_sure'")
    data = _mapping(data, at, required={"label", "citation"}, optional=GROUND_FIELDS)
    return Ground(
        key=key,
        label=_text(data["label"], at / "label"),
        citation=_text(data["citation"], at / "citation"),
        rules=_rules(data, at),
        notes=_texts(data.get("notes", []), at / "notes", allow_empty=True),
    )


def _rules(data: dict[str, Any], at: _At) -> Rules:
    readers: dict[str, Callable[[Any, _At], Any]] = {
        "minimum_notice": _minimum,
        "notice_floor": _minimum,
        "early_tenancy": _early_tenancy,
        "not_in_first": _bar,
        "claim_window": _claim_window,
        "claim_window_extension": _claim_window,
        "claims_not_after": _cutoff,
        "abolished": _abolition,
    }
    return Rules(
        **{name: read(data[name], at / name) for name, read in readers.items() if name in data}
    )


def _minimum(data: Any, at: _At) -> NoticeMinimum:
    data = _mapping(data, at, required={"citation"}, optional=SOURCED | SPAN | {"unknown"})
    if data.get("unknown") is True:
        if not data.get("unverified"):
            raise at.fail("an unknown notice period must be marked unverified, with a note")
        return NoticeMinimum(span=None, **_sourced(data, at))
    _mapping(data, at, required={"citation", "length", "unit"}, optional=SOURCED | SPAN)
    return NoticeMinimum(span=_span(data, at), **_sourced(data, at))


def _early_tenancy(data: Any, at: _At) -> EarlyTenancy:
    data = _mapping(
        data, at, required={"citation", "up_to", "minimum"}, optional=SOURCED | {"up_to", "minimum"}
    )
    up_to = _mapping(data["up_to"], at / "up_to", required={"length", "unit"}, optional=SPAN)
    minimum = _mapping(data["minimum"], at / "minimum", required={"length", "unit"}, optional=SPAN)
    return EarlyTenancy(
        up_to=_span(up_to, at / "up_to"),
        minimum=_span(minimum, at / "minimum"),
        **_sourced(data, at),
    )


def _bar(data: Any, at: _At) -> Bar:
    data = _mapping(
        data,
        at,
        required={"citation", "length", "unit", "measured_on"},
        optional=SOURCED | SPAN | {"measured_on"},
    )
    if data["measured_on"] not in MEASURED_ON:
        raise (at / "measured_on").fail(f"must be one of {', '.join(MEASURED_ON)}")
    span = _span(data, at, default_counting="beginning_with")
    return Bar(span=span, measured_on=data["measured_on"], **_sourced(data, at))


def _claim_window(data: Any, at: _At) -> ClaimWindow:
    data = _mapping(
        data,
        at,
        required={"citation", "length", "unit", "anchor"},
        optional=SOURCED | SPAN | {"anchor"},
    )
    if data["anchor"] not in ANCHORS:
        raise (at / "anchor").fail(f"must be one of {', '.join(ANCHORS)}")
    return ClaimWindow(anchor=data["anchor"], span=_span(data, at), **_sourced(data, at))


def _cutoff(data: Any, at: _At) -> Cutoff:
    data = _mapping(data, at, required={"citation", "last_day"}, optional=SOURCED | {"last_day"})
    return Cutoff(last_day=_date(data["last_day"], at / "last_day"), **_sourced(data, at))


def _abolition(data: Any, at: _At) -> Abolition:
    data = _mapping(data, at, required={"citation", "note"}, optional=SOURCED)
    return Abolition(**_sourced(data, at))


def _sourced(data: dict[str, Any], at: _At) -> dict[str, Any]:
    unverified = data.get("unverified", False)
    if not isinstance(unverified, bool):
        raise (at / "unverified").fail("must be true or false")
    note = data.get("note", "")
    if not isinstance(note, str):
        raise (at / "note").fail("must be text")
    if unverified and not note.strip():
        raise (at / "note").fail("an unverified rule needs a note saying what is not confirmed")
    return {
        "citation": _text(data["citation"], at / "citation"),
        "unverified": unverified,
        "note": note.strip(),
    }


def _span(data: dict[str, Any], at: _At, default_counting: str = "after") -> TimeSpan:
    unit = data["unit"]
    if unit not in UNITS:
        raise (at / "unit").fail(f"must be one of {', '.join(UNITS)}")
    counting = data.get("counting", default_counting)
    if counting not in COUNTINGS:
        raise (at / "counting").fail(f"must be one of {', '.join(COUNTINGS)}")
    for name in ("length", "add_days"):
        value = data.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise (at / name).fail("must be a whole number")
    try:
        return TimeSpan(data["length"], unit, counting, data.get("add_days", 0))
    except ValueError as error:
        raise at.fail(str(error)) from None


def _check_sequence(packs: Iterable[LawPack]) -> None:
    previous: LawPack | None = None
    keys: set[str] = set()
    for pack in packs:
        at = _At(pack.nation, pack.key)
        if pack.key in keys:
            raise at.fail("two packs have this key")
        keys.add(pack.key)
        if previous is not None and previous.nation == pack.nation:
            if previous.effective_to is None:
                raise at.fail(f"{previous.key} has no end date but is followed by this pack")
            if (pack.effective_from - previous.effective_to).days != 1:
                raise at.fail(
                    f"must start the day after {previous.key} ends ({previous.effective_to})"
                )
        elif previous is not None and previous.effective_to is not None:
            raise _At(previous.nation, previous.key).fail(
                "the last pack of a nation has no end date"
            )
        previous = pack
    if previous is not None and previous.effective_to is not None:
        raise _At(previous.nation, previous.key).fail("the last pack of a nation has no end date")


def _mapping(
    data: Any, at: _At, required: set[str] = frozenset(), optional: set[str] = frozenset()
) -> dict[str, Any]:
    data = _dict(data, at)
    if required or optional:
        unknown = sorted(set(map(str, data)) - set(required) - set(optional))
        if unknown:
            raise at.fail(
                f"unknown keys {unknown}: allowed are {sorted(set(required) | set(optional))}"
            )
    missing = sorted(set(required) - set(data))
    if missing:
        raise at.fail(f"missing {missing}")
    return data


def _dict(data: Any, at: _At) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise at.fail("must be a mapping")
    return data


def _date(value: Any, at: _At) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise at.fail("must be a date (YYYY-MM-DD)")
    return value


def _text(value: Any, at: _At) -> str:
    if not isinstance(value, str) or not value.strip():
        raise at.fail("must be non-empty text")
    return value.strip()


def _texts(value: Any, at: _At, allow_empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise at.fail("must be a list of text" + ("" if allow_empty else " with at least one item"))
    return tuple(_text(item, at / i) for i, item in enumerate(value))
