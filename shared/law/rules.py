"""The rules of a law pack applied to one notice: what they find (failures, doubts, notes) and
from when the notice makes the applicant threatened with homelessness. notices.py turns the
findings into a NoticeCheck."""

from __future__ import annotations

from datetime import date, timedelta

from shared.law.model import ClaimWindow, Cutoff, LawPack, NoticeFacts, NoticeType, Rules, Sourced
from shared.law.registry import packs_of


def day_words(day: date) -> str:
    """A date as people write it: 31 July 2026."""
    return f"{day.day} {day:%B %Y}"


# --- the rules ----------------------------------------------------------------------------------


class Findings:
    """What the rules found: failures make "not_valid", doubts "unclear", notes inform."""

    def __init__(self) -> None:
        self.failures: list[str] = []
        self.doubts: list[str] = []
        self.notes: list[str] = []
        self._citations: list[str] = []

    def cite(self, citation: str) -> None:
        if citation not in self._citations:
            self._citations.append(citation)

    def fail(self, reason: str, rule: Sourced) -> None:
        if rule.unverified:
            self.doubt(f"{reason} This rule is not verified: {rule.note}", rule)
            return
        self.failures.append(reason)
        self.cite(rule.citation)

    def doubt(self, reason: str, rule: Sourced | None = None) -> None:
        self.doubts.append(reason)
        if rule is not None:
            self.cite(rule.citation)

    def note(self, reason: str) -> None:
        self.notes.append(reason)

    def verdict(self) -> str:
        return "not_valid" if self.failures else "unclear" if self.doubts else "can_be_valid"

    def reasons(self) -> tuple[str, ...]:
        return (*self.failures, *self.doubts, *self.notes)

    def citations(self) -> tuple[str, ...]:
        return tuple(self._citations)


def check_rules(
    notice: NoticeType, ground: str | None, facts: NoticeFacts, today: date, found: Findings
) -> None:
    rules = notice.rules_for(ground)
    if rules.abolished is not None:
        found.fail(f"{rules.abolished.note} ({rules.abolished.citation})", rules.abolished)
        return
    if notice.grounds and ground is None:
        found.doubt(
            "The ground the notice relies on is not given, so its notice period is not checked."
        )
    if facts.served_on is None:
        found.doubt(
            "The day the notice was served is not given, so its notice period is not checked."
        )
    if facts.leave_on is None:
        found.doubt("The date the notice gives is not given, so its notice period is not checked.")
    if facts.served_on and facts.leave_on and (ground or not notice.grounds):
        _minimum_notice(rules, facts, found)
    _not_in_first(rules, facts, found)
    _time_to_use(rules, facts, today, found)


def _minimum_notice(rules: Rules, facts: NoticeFacts, found: Findings) -> None:
    minimum, served, leave = rules.minimum_notice, facts.served_on, facts.leave_on
    assert minimum is not None and served is not None and leave is not None
    if minimum.span is None:
        found.doubt(f"The notice period for this ground is not known here: {minimum.note}", minimum)
        return
    found.cite(minimum.citation)
    if leave >= minimum.span.end(served):
        return
    early, floor = rules.early_tenancy, rules.notice_floor
    if early is not None and leave >= early.minimum.end(served):
        _early_tenancy(rules, facts, found)
    elif early is not None:
        found.fail(
            f"The date in the notice is earlier than even the shorter notice period "
            f"({early.minimum.describe()}) allows ({early.citation}).",
            early,
        )
    elif floor is not None and floor.span is not None and leave >= floor.span.end(served):
        found.doubt(
            f"The date in the notice gives less than {minimum.span.describe()}: "
            f"{floor.note or 'whether that is enough depends on facts not given'}",
            floor,
        )
    elif floor is not None:
        found.fail(
            f"The date in the notice is earlier than the law allows ({floor.citation}).", floor
        )
    else:
        found.fail(
            f"The date in the notice is earlier than the minimum notice of "
            f"{minimum.span.describe()} allows ({minimum.citation}).",
            minimum,
        )


def _early_tenancy(rules: Rules, facts: NoticeFacts, found: Findings) -> None:
    early, minimum = rules.early_tenancy, rules.minimum_notice
    assert early is not None and minimum is not None and minimum.span is not None
    assert facts.served_on is not None
    started = facts.tenancy_started_on
    if started is None:
        found.doubt(
            f"The notice gives less than {minimum.span.describe()}, which is enough only if the "
            f"tenant had occupied for {early.up_to.describe()} or less when they received it; the "
            f"tenancy start date is not given ({early.citation}).",
            early,
        )
    elif facts.served_on > early.up_to.end(started):
        found.fail(
            f"The tenant had occupied for more than {early.up_to.describe()} when the notice was "
            f"received, so it needed {minimum.span.describe()}; the date in the notice is earlier "
            f"than that allows ({minimum.citation}).",
            minimum,
        )
    else:
        found.cite(early.citation)


def _not_in_first(rules: Rules, facts: NoticeFacts, found: Findings) -> None:
    bar = rules.not_in_first
    if bar is None:
        return
    measured = facts.served_on if bar.measured_on == "served_on" else facts.leave_on
    what = "was served" if bar.measured_on == "served_on" else "gives a date"
    if measured is None:
        return
    if facts.tenancy_started_on is None:
        found.doubt(
            f"This notice cannot be used if it {what} within the first {bar.span.describe()} of "
            f"the tenancy; the tenancy start date is not given, so that is not checked "
            f"({bar.citation}).",
            bar,
        )
    elif measured < bar.first_allowed(facts.tenancy_started_on):
        found.fail(
            f"The notice {what} within the first {bar.span.describe()} of the tenancy, which the "
            f"law does not allow ({bar.citation}).",
            bar,
        )
    else:
        found.cite(bar.citation)


def _time_to_use(rules: Rules, facts: NoticeFacts, today: date, found: Findings) -> None:
    """Whether proceedings (or a tribunal application) can still begin on the notice today."""
    limits: list[tuple[date, ClaimWindow | Cutoff]] = []
    window, cutoff = rules.claim_window, rules.claims_not_after
    if window is not None and (anchor := _anchor(window, facts)) is not None:
        limits.append((window.span.end(anchor), window))
    if cutoff is not None:
        limits.append((cutoff.last_day, cutoff))
    passed = [rule for last_day, rule in limits if today > last_day]
    if not passed:
        return
    if passed == [window] and _extension_open(rules, facts, today):
        extension = rules.claim_window_extension
        assert extension is not None
        found.doubt(
            "The usual time for starting proceedings on this notice has passed, but a longer "
            "one applies where the tenancy needed more than the minimum notice "
            f"({extension.citation}).",
            extension,
        )
        return
    verified = [rule for rule in passed if not rule.unverified]
    rule = verified[0] if verified else passed[0]
    if isinstance(rule, Cutoff):
        reason = (
            f"Proceedings on this kind of notice could not begin after {day_words(rule.last_day)}; "
            "unless a claim was issued by then, the notice can no longer be used "
            f"({rule.citation})."
        )
    else:
        reason = (
            f"The time for starting proceedings on this notice ({rule.span.describe()} from "
            f"{_ANCHOR_WORDS[rule.anchor]}) has passed; unless proceedings began in time, the "
            f"notice can no longer be used ({rule.citation})."
        )
    found.fail(reason, rule)


_ANCHOR_WORDS = {
    "served_on": "service",
    "leave_on": "the date in the notice",
    "notice_expiry": "the end of the notice period",
}


def _anchor(window: ClaimWindow, facts: NoticeFacts) -> date | None:
    if window.anchor == "served_on":
        return facts.served_on
    if facts.leave_on is None:
        return None
    return facts.leave_on if window.anchor == "leave_on" else facts.leave_on - timedelta(days=1)


def _extension_open(rules: Rules, facts: NoticeFacts, today: date) -> bool:
    extension, minimum = rules.claim_window_extension, rules.minimum_notice
    if extension is None or minimum is None or minimum.span is None:
        return False
    if facts.served_on is None or facts.leave_on is None:
        return False
    longer_than_minimum = facts.leave_on > minimum.span.end(facts.served_on)
    anchor = _anchor(extension, facts)
    return longer_than_minimum and anchor is not None and today <= extension.span.end(anchor)


# --- threatened with homelessness ---------------------------------------------------------------


def first_threatened_day(
    nation: str,
    key: str,
    facts: NoticeFacts,
    verdict: str,
    today: date,
    today_pack: LawPack,
    found: Findings,
) -> date | None:
    """The first day the notice makes the applicant threatened with homelessness, under the law
    in force today (England's s.175(5) names the notices that do so)."""
    window = today_pack.threatened_within.describe()
    notice_now = today_pack.notice_types.get(key)
    if notice_now is None or notice_now.threatened.rule != "deemed":
        citation = notice_now.threatened.citation if notice_now else today_pack.threatened_citation
        note = f" {notice_now.threatened.note}" if notice_now and notice_now.threatened.note else ""
        found.note(
            "This notice does not by itself make the applicant threatened with homelessness: "
            f"decide whether they are likely to become homeless within {window} ({citation}).{note}"
        )
        found.cite(citation)
        return None
    if verdict == "not_valid" or facts.leave_on is None:
        return None
    rule = notice_now.threatened
    starts = [
        today_pack.earliest_window_start(facts.leave_on),
        _deemed_since(nation, key, today_pack),
    ]
    if facts.served_on is not None:
        starts.append(facts.served_on)
    threatened_from = max(starts)
    if threatened_from > facts.leave_on:
        found.note(
            "The date in the notice passed before the law made such a notice a threat of "
            f"homelessness; decide whether homelessness is likely within {window}."
        )
        return None
    found.cite(rule.citation)
    found.note(
        f"A valid notice of this kind whose date falls within {window} makes the applicant "
        f"threatened with homelessness ({rule.citation})."
    )
    if facts.leave_on < today:
        found.note(
            "The date in the notice has passed, so the notice alone no longer makes the applicant "
            f"threatened: decide whether they are homeless, or likely to become so within {window}."
        )
    return threatened_from


def _deemed_since(nation: str, key: str, pack: LawPack) -> date:
    """The start of the unbroken run of packs, ending with ``pack``, in which this notice type
    makes its holder threatened."""
    since = pack.effective_from
    earlier = [p for p in packs_of(nation) if p.effective_from < pack.effective_from]
    for previous in reversed(earlier):
        notice = previous.notice_types.get(key)
        if notice is None or notice.threatened.rule != "deemed":
            break
        since = previous.effective_from
    return since
