"""Which law is in force where and when: the packs loaded once, looked up by nation and date."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from shared.law.errors import NATIONS, NoPackInForce, UnknownNation
from shared.law.loader import load_packs
from shared.law.model import LawChange, LawPack

DEFAULT_NATION = "england"


@lru_cache(maxsize=1)
def all_packs() -> tuple[LawPack, ...]:
    """Every pack, ordered by nation (england, wales, scotland) then effective_from."""
    return load_packs()


def known_nation(nation: object) -> str:
    if not isinstance(nation, str) or nation not in NATIONS:
        raise UnknownNation(nation)
    return nation


def council_nation(value: str | None) -> str:
    """A council's nation as configured: England when not set (the suite's first councils are
    English); any other value must name a nation, case and surrounding spaces aside."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_NATION
    if not isinstance(value, str):
        raise UnknownNation(value)
    return known_nation(value.strip().lower())


def packs_of(nation: str) -> tuple[LawPack, ...]:
    known_nation(nation)
    return tuple(pack for pack in all_packs() if pack.nation == nation)


def pack_in_force(nation: str, on: date) -> LawPack:
    packs = packs_of(nation)
    for pack in packs:
        if pack.in_force(on):
            return pack
    raise NoPackInForce(nation, on, packs[0].effective_from if packs else None)


def changes_on(nation: str, on: date) -> LawChange | None:
    """The change of law taking effect in ``nation`` on ``on``, or None if no pack starts then."""
    packs = packs_of(nation)
    after = next((pack for pack in packs if pack.effective_from == on), None)
    if after is None:
        return None
    before = next((pack for pack in packs if pack.effective_to == on - timedelta(days=1)), None)
    old = before.notice_types if before else {}
    changed = {
        key
        for key in set(old) | set(after.notice_types)
        if key not in old
        or key not in after.notice_types
        or not after.notice_types[key].same_rules_as(old[key])
    }
    return LawChange(nation, on, before, after, frozenset(changed))
