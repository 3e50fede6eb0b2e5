"""What a law pack says, as frozen values: each nation's possession notices, with the rules that
make one fail or leave it open, and the homelessness law that decides when a notice makes
someone threatened with homelessness. The checker (notices.py) evaluates these; the YAML files
in packs/ state them (loader.py builds and validates them).

Every rule carries its citation. A rule we could not confirm in an authoritative source is
``unverified``: it can make a verdict "unclear", never "not_valid".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from types import MappingProxyType

from shared.law.counting import TimeSpan

MEASURED_ON = ("served_on", "leave_on")
# What a claim window counts from: service, the date in the notice, or the last day of the
# notice period (the day before the date in a Scottish notice to leave, s.62(4)).
ANCHORS = ("served_on", "leave_on", "notice_expiry")
THREATENED_RULES = (
    "deemed",  # the statute itself makes the holder threatened (England s.175(5))
    "assess",  # the notice is evidence; the council decides whether homelessness is likely
)


@dataclass(frozen=True)
class Sourced:
    citation: str
    unverified: bool = False
    note: str = ""


@dataclass(frozen=True)
class NoticeMinimum(Sourced):
    """The earliest date a notice may give: ``span`` counted from service. ``span`` None means
    the period is not known (only with ``unverified``)."""

    span: TimeSpan | None = None


@dataclass(frozen=True)
class EarlyTenancy(Sourced):
    """A shorter minimum where the tenant had occupied for no longer than ``up_to`` on the day the
    notice was received (Private Housing (Tenancies) (Scotland) Act 2016 s.54(3)(a))."""

    up_to: TimeSpan = TimeSpan(6, "months")
    minimum: TimeSpan = TimeSpan(28, "days")


@dataclass(frozen=True)
class Bar(Sourced):
    """Not in the first ``span`` of the tenancy: ``measured_on`` (the service day or the date in
    the notice) must fall after the period beginning with the day the tenancy began."""

    span: TimeSpan = TimeSpan(1, "months", "beginning_with")
    measured_on: str = "served_on"

    def first_allowed(self, tenancy_started_on: date) -> date:
        return self.span.end(tenancy_started_on) + timedelta(days=1)


@dataclass(frozen=True)
class ClaimWindow(Sourced):
    """The last day proceedings (or a tribunal application) may begin on this notice."""

    anchor: str = "served_on"
    span: TimeSpan = TimeSpan(6, "months", "beginning_with")


@dataclass(frozen=True)
class Cutoff(Sourced):
    """A fixed last day for proceedings, whatever the notice's own window (a transition)."""

    last_day: date = date.max


@dataclass(frozen=True)
class Abolition(Sourced):
    """Notices of this kind cannot be given under this pack."""


@dataclass(frozen=True)
class Threatened(Sourced):
    rule: str = "assess"


@dataclass(frozen=True)
class Rules:
    """The checkable rules of a notice type, or of one ground (a ground's own rules win)."""

    minimum_notice: NoticeMinimum | None = None
    notice_floor: NoticeMinimum | None = None
    early_tenancy: EarlyTenancy | None = None
    not_in_first: Bar | None = None
    claim_window: ClaimWindow | None = None
    claim_window_extension: ClaimWindow | None = None
    claims_not_after: Cutoff | None = None
    abolished: Abolition | None = None

    def overlaid_with(self, other: Rules) -> Rules:
        own = {f.name: getattr(other, f.name) for f in fields(other)}
        return replace(self, **{name: value for name, value in own.items() if value is not None})


RULE_NAMES = tuple(f.name for f in fields(Rules))


@dataclass(frozen=True)
class Ground:
    key: str
    label: str
    citation: str
    rules: Rules = Rules()
    notes: tuple[str, ...] = ()

    @property
    def minimum_notice(self) -> NoticeMinimum | None:
        return self.rules.minimum_notice

    @property
    def not_in_first(self) -> Bar | None:
        return self.rules.not_in_first


@dataclass(frozen=True)
class NoticeType:
    key: str
    label: str
    citation: str
    threatened: Threatened
    rules: Rules = Rules()
    grounds: Mapping[str, Ground] = field(default_factory=lambda: MappingProxyType({}))
    not_checked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def rules_for(self, ground: str | None) -> Rules:
        if ground is None or ground not in self.grounds:
            return self.rules
        return self.rules.overlaid_with(self.grounds[ground].rules)

    def same_rules_as(self, other: NoticeType) -> bool:
        """Whether a case checked under ``other`` would be checked the same way under this one
        (labels and wording aside)."""
        return (
            self.rules == other.rules
            and self.threatened.rule == other.threatened.rule
            and {k: g.rules for k, g in self.grounds.items()}
            == {k: g.rules for k, g in other.grounds.items()}
        )


@dataclass(frozen=True)
class LawPack:
    key: str
    nation: str
    title: str
    effective_from: date
    effective_to: date | None
    threatened_within: TimeSpan
    threatened_citation: str
    notice_types: Mapping[str, NoticeType]
    review_categories: tuple[str, ...]
    homelessness_law: str
    sources: tuple[str, ...]
    summary: str
    unverified: tuple[str, ...] = ()

    def __hash__(self) -> int:
        return hash(self.key)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def threatened_window_last_day(self, today: date) -> date:
        """The last day of the "threatened with homelessness" window beginning with ``today``."""
        return self.threatened_within.end(today)

    def earliest_window_start(self, day: date) -> date:
        """The first day whose window (beginning with it) contains ``day``. Window ends never go
        backwards as the start moves on, so the search walks back from ``day`` itself."""
        start = day
        while self.threatened_window_last_day(start - timedelta(days=1)) >= day:
            start -= timedelta(days=1)
        return start


@dataclass(frozen=True)
class NoticeFacts:
    """A notice as the applicant describes it. ``served_on`` is the day the tenant got it (for a
    Scottish notice to leave, the day it was received); ``leave_on`` the date the notice gives;
    ``tenancy_started_on`` the day the tenancy (or, for a replacement tenancy, the first one
    with that landlord) began."""

    notice_type: str
    ground: str | None = None
    served_on: date | None = None
    leave_on: date | None = None
    tenancy_started_on: date | None = None


@dataclass(frozen=True)
class LawChange:
    nation: str
    on: date
    before: LawPack | None
    after: LawPack
    changed_notice_types: frozenset[str]
