"""The law the suite applies, by nation and date: data-driven law packs (packs/*.yaml, validated
when loaded) and the possession notice checker. Pure: no nameko, no database.

See docs/law.md ("Law packs and the notice checker") for what each pack says and its sources.
"""

from shared.law.counting import TimeSpan
from shared.law.errors import (
    NATIONS,
    LawPackInvalid,
    NoPackInForce,
    NoticeFactsInvalid,
    UnknownNation,
)
from shared.law.model import Ground, LawChange, LawPack, NoticeFacts, NoticeType
from shared.law.notices import (
    DERIVED_FACTS,
    NoticeCheck,
    check_notice,
    derived_facts,
)
from shared.law.registry import all_packs, changes_on, council_nation, pack_in_force

__all__ = [
    "DERIVED_FACTS",
    "NATIONS",
    "Ground",
    "LawChange",
    "LawPack",
    "LawPackInvalid",
    "NoPackInForce",
    "NoticeCheck",
    "NoticeFacts",
    "NoticeFactsInvalid",
    "NoticeType",
    "TimeSpan",
    "UnknownNation",
    "all_packs",
    "changes_on",
    "check_notice",
    "council_nation",
    "derived_facts",
    "pack_in_force",
]
