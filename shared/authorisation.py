"""Who may call what: one readable table per service (``services/<name>/policy.py``), checked
before every RPC by ``shared.nameko_wiring.rpc`` and printed into docs/security.md.

A rule names the roles that may make the call at all. What a role may then see or change (a
customer their own enquiry and case; a caseworker their team's cases) needs the data, so the
use case checks it against the caller's ``Identity`` and raises ``Forbidden`` itself; the rule's
``scope`` says so for the reader.

Pure Python: no nameko here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.errors import Forbidden
from shared.identity import (
    ADMIN,
    AUDITOR,
    CASEWORKER,
    CUSTOMER,
    PARTNER,
    ROLES,
    TEAM_LEADER,
    Identity,
)

OFFICERS = frozenset({CASEWORKER, TEAM_LEADER})
STAFF = OFFICERS | {ADMIN, AUDITOR}
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    """``roles``: who may call. ``scope``: what the use case checks beyond the role, in words
    (empty: nothing more). ``anonymous``: may be called without a token at all (only what
    carries no personal data and changes nothing: the orchestrator's health probe)."""

    roles: frozenset[str]
    scope: str = ""
    anonymous: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles in a rule: {sorted(unknown)}")


def rule(*roles: Iterable[str] | str, scope: str = "", anonymous: bool = False) -> Rule:
    """``rule(OFFICERS, AUDITOR, scope=...)``: roles as names or sets of names."""
    names: set[str] = set()
    for role in roles:
        names.update({role} if isinstance(role, str) else role)
    return Rule(frozenset(names), scope, anonymous)


# Every service answers its health probe; it says nothing about anyone.
HEALTH = rule(EVERYONE, anonymous=True)


class Policy:
    def __init__(self, service: str, rules: Mapping[str, Rule]) -> None:
        self.service = service
        self.rules = {"health": HEALTH, **rules}

    def rule_for(self, action: str) -> Rule:
        rule_ = self.rules.get(action)
        if rule_ is None:
            # A new RPC without a rule is refused, not allowed (tests/integration walks them).
            raise Forbidden(action, "no rule allows this call")
        return rule_

    def check(self, action: str, identity: Identity) -> Rule:
        rule_ = self.rule_for(action)
        if not identity.roles & rule_.roles:
            roles = ", ".join(sorted(identity.roles)) or "no role"
            raise Forbidden(action, f"not allowed for {roles}")
        return rule_

    def markdown(self) -> str:
        """The table for docs/security.md."""
        lines = [
            f"### {self.service}",
            "",
            "| RPC | who may call | and then |",
            "| --- | --- | --- |",
        ]
        for action, rule_ in sorted(self.rules.items()):
            who = "anyone, without a token" if rule_.anonymous else ", ".join(sorted(rule_.roles))
            lines.append(f"| `{action}` | {who} | {rule_.scope or '—'} |")
        return "\n".join(lines)


def customer_may_see_case(
    identity: Identity, action: str, case_id: str, enquiry_id: str, correlation_id: str
) -> None:
    """A customer sees only the case their token names (or the case of an enquiry it names)."""
    if identity.is_customer_only and not identity.may_see_case(case_id, enquiry_id):
        raise Forbidden(
            action,
            "this case is not the caller's",
            case_id=case_id,
            correlation_id=correlation_id,
        )


def officer_may_see_team(
    identity: Identity, action: str, team: str | None, case_id: str, correlation_id: str
) -> None:
    """An officer sees the cases of their own team (``Identity.team_scope``)."""
    scope = identity.team_scope
    if scope is not None and scope != team:
        raise Forbidden(
            action,
            "this case belongs to another team",
            case_id=case_id,
            correlation_id=correlation_id,
        )


__all__ = [
    "ADMIN",
    "AUDITOR",
    "CASEWORKER",
    "CUSTOMER",
    "EVERYONE",
    "HEALTH",
    "OFFICERS",
    "PARTNER",
    "STAFF",
    "TEAM_LEADER",
    "Policy",
    "Rule",
    "customer_may_see_case",
    "officer_may_see_team",
    "rule",
]
