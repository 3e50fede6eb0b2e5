"""The notice checker: can this possession notice be valid, and from when does it make the
applicant threatened with homelessness?

Only a court (or in Scotland the First-tier Tribunal) decides that a notice is valid, so the
verdicts are "not_valid" (the facts given show a rule broken), "unclear" (a rule needs facts not
given, or rests on an unverified source) and "can_be_valid" (nothing checked is wrong).

Validity is judged by the pack in force on the day the notice was served; the time left to use
the notice, and what the applicant can be told, by the pack in force on ``today``. Reasons never
repeat the facts: they name rules, statutory dates and periods only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.law.errors import NoticeFactsInvalid
from shared.law.loader import UNSURE_NOTICE_TYPES
from shared.law.model import LawPack, NoticeFacts, NoticeType
from shared.law.registry import known_nation, pack_in_force, packs_of
from shared.law.rules import Findings, check_rules, day_words, first_threatened_day

VERDICTS = ("can_be_valid", "not_valid", "unclear")
DERIVED_FACTS: dict[str, dict[str, Any]] = {
    "notice_verdict": {
        "key": "notice_verdict",
        "type": "single_choice",
        "options": [{"value": "can_be_valid"}, {"value": "not_valid"}, {"value": "unclear"}],
    },
    "threatened_by_notice": {"key": "threatened_by_notice", "type": "boolean"},
    "notice_threatened_from": {"key": "notice_threatened_from", "type": "date"},
}


@dataclass(frozen=True)
class NoticeCheck:
    pack_key: str
    nation: str
    notice_type: str
    ground: str | None
    verdict: str
    reasons: tuple[str, ...]
    threatened_from: date | None
    threatened_on_check_day: bool
    advice: str
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack_key": self.pack_key,
            "nation": self.nation,
            "notice_type": self.notice_type,
            "ground": self.ground,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "threatened_from": self.threatened_from.isoformat() if self.threatened_from else None,
            "threatened_on_check_day": self.threatened_on_check_day,
            "advice": self.advice,
            "citations": list(self.citations),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NoticeCheck:
        if data.get("verdict") not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
        threatened_from = data.get("threatened_from")
        return cls(
            pack_key=str(data["pack_key"]),
            nation=str(data["nation"]),
            notice_type=str(data["notice_type"]),
            ground=data.get("ground"),
            verdict=data["verdict"],
            reasons=tuple(data.get("reasons", ())),
            threatened_from=date.fromisoformat(threatened_from) if threatened_from else None,
            threatened_on_check_day=bool(data.get("threatened_on_check_day", False)),
            advice=str(data.get("advice", "")),
            citations=tuple(data.get("citations", ())),
        )


def derived_facts(check: NoticeCheck | None) -> dict[str, Any]:
    """The notice check as answers to DERIVED_FACTS; no check, no facts (all unanswered).
    ``threatened_by_notice`` is as on the check day; a date the check could not give is left
    out rather than sent as null."""
    if check is None:
        return {}
    facts: dict[str, Any] = {
        "notice_verdict": check.verdict,
        "threatened_by_notice": check.threatened_on_check_day,
    }
    if check.threatened_from is not None:
        facts["notice_threatened_from"] = check.threatened_from.isoformat()
    return facts


def check_notice(nation: str, facts: NoticeFacts, today: date) -> NoticeCheck:
    """Check ``facts`` against the law of ``nation`` (see the module docstring). Raises
    UnknownNation, NoticeFactsInvalid, or NoPackInForce when ``today`` is before the nation's
    earliest pack; a notice served before that day is answered "unclear"."""
    nation = known_nation(nation)
    _check_facts(facts, today)
    today_pack = pack_in_force(nation, today)
    earliest = packs_of(nation)[0].effective_from
    if facts.served_on is not None and facts.served_on < earliest:
        return _not_covered(today_pack, facts, earliest)
    pack = pack_in_force(nation, facts.served_on) if facts.served_on else today_pack
    if facts.notice_type in UNSURE_NOTICE_TYPES:
        return _not_checked(
            pack, today_pack, facts, "The kind of notice is not known, so it cannot be checked."
        )
    notice = pack.notice_types.get(facts.notice_type)
    if notice is None:
        raise NoticeFactsInvalid(
            "notice_type",
            f"is not a notice type of {pack.title}: use one of "
            f"{', '.join([*pack.notice_types, *UNSURE_NOTICE_TYPES])}",
        )
    ground = _ground(notice, facts.ground, pack)
    findings = Findings()
    findings.cite(notice.citation)
    if ground:
        findings.cite(notice.grounds[ground].citation)
    if pack.key != today_pack.key:
        findings.note(
            f"The law changed on {day_words(today_pack.effective_from)}: this notice is judged "
            f"by the law in force on the day it was served ({pack.title})."
        )
    check_rules(notice, ground, facts, today, findings)
    verdict = findings.verdict()
    threatened_from = first_threatened_day(
        nation, notice.key, facts, verdict, today, today_pack, findings
    )
    if verdict != "not_valid" and notice.not_checked:
        findings.note(f"Not checked here: {'; '.join(notice.not_checked)}.")
    on_check_day = threatened_from is not None and threatened_from <= today <= facts.leave_on
    return NoticeCheck(
        pack_key=pack.key,
        nation=nation,
        notice_type=notice.key,
        ground=ground,
        verdict=verdict,
        reasons=findings.reasons(),
        threatened_from=threatened_from,
        threatened_on_check_day=on_check_day,
        advice=_advice(verdict, threatened_from, on_check_day, facts.leave_on, today, today_pack),
        citations=findings.citations(),
    )


# --- the facts ----------------------------------------------------------------------------------


def _check_facts(facts: NoticeFacts, today: date) -> None:
    if not isinstance(facts.notice_type, str) or not facts.notice_type.strip():
        raise NoticeFactsInvalid("notice_type", "must name the kind of notice")
    if facts.ground is not None and (not isinstance(facts.ground, str) or not facts.ground.strip()):
        raise NoticeFactsInvalid("ground", "must name a ground, or be left out")
    for name in ("served_on", "leave_on", "tenancy_started_on"):
        value = getattr(facts, name)
        if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
            raise NoticeFactsInvalid(name, "must be a date (without a time)")
    if facts.served_on and facts.served_on > today:
        raise NoticeFactsInvalid("served_on", "is in the future: a notice cannot be served yet")
    if facts.served_on and facts.leave_on and facts.leave_on < facts.served_on:
        raise NoticeFactsInvalid("leave_on", "is before the day the notice was served")
    if facts.served_on and facts.tenancy_started_on and facts.tenancy_started_on > facts.served_on:
        raise NoticeFactsInvalid("tenancy_started_on", "is after the day the notice was served")


def _ground(notice: NoticeType, ground: str | None, pack: LawPack) -> str | None:
    if ground is None or ground in UNSURE_NOTICE_TYPES:
        return None
    if not notice.grounds:
        raise NoticeFactsInvalid("ground", f"a {notice.label} under {pack.title} has no grounds")
    if ground not in notice.grounds:
        raise NoticeFactsInvalid(
            "ground",
            f"is not a ground of a {notice.label} under {pack.title}: use one of "
            f"{', '.join(notice.grounds)}",
        )
    return ground


# --- telling the applicant ----------------------------------------------------------------------


def _not_covered(today_pack: LawPack, facts: NoticeFacts, earliest: date) -> NoticeCheck:
    reason = (
        f"The notice was served before {day_words(earliest)}, the earliest day the law packs "
        "cover, so it is not checked here."
    )
    return _not_checked(today_pack, today_pack, facts, reason)


def _not_checked(
    pack: LawPack, today_pack: LawPack, facts: NoticeFacts, reason: str
) -> NoticeCheck:
    window = today_pack.threatened_within.describe()
    return NoticeCheck(
        pack_key=pack.key,
        nation=pack.nation,
        notice_type=facts.notice_type,
        ground=None,
        verdict="unclear",
        reasons=(
            reason,
            f"Decide whether the applicant is likely to become homeless within {window} "
            f"({today_pack.threatened_citation}).",
        ),
        threatened_from=None,
        threatened_on_check_day=False,
        advice=(
            "Ask for a copy of the notice to see what kind it is and when it was served, "
            "then check it."
        ),
        citations=(today_pack.threatened_citation,),
    )


def _advice(
    verdict: str,
    threatened_from: date | None,
    on_check_day: bool,
    leave_on: date | None,
    today: date,
    pack: LawPack,
) -> str:
    window = pack.threatened_within.describe()
    if verdict == "not_valid":
        return (
            "Explain that this notice does not appear to be one the landlord can rely on, and why; "
            "check for any newer notice or court papers."
        )
    if verdict == "unclear":
        threat = (
            " If it can, it makes the applicant threatened with homelessness from the date shown."
            if threatened_from is not None
            else ""
        )
        return (
            "Whether this notice can be relied on depends on facts not given: ask for a copy of "
            f"the notice and the tenancy agreement and check the points listed.{threat}"
        )
    if on_check_day:
        return (
            "The notice may be valid (only a court or tribunal decides): treat the applicant as "
            "threatened with homelessness and start prevention work now."
        )
    if threatened_from is not None and leave_on is not None and today < threatened_from:
        return (
            "The notice may be valid (only a court or tribunal decides): the applicant is "
            "threatened with homelessness by it from the date shown; start prevention work early."
        )
    return (
        "The notice may be valid (only a court or tribunal decides): decide whether the applicant "
        f"is likely to become homeless within {window}; the tenant can stay until an order is "
        "enforced."
    )
