"""What a template says about the law it follows: its nation and effective dates, the roles its
questions play for the other services (the applicant's name, the notice, the dates that make
someone threatened with homelessness), and the dates it computes from answers. Pure: no nameko,
no database.

A template published before roles existed (the starter template's version 1) declares none of
this: it is read as an England template whose ``full_name`` question is the applicant's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared import law
from shared.rules import is_answered

Template = dict[str, Any]
FieldErrors = dict[str, list[str]]

LEGACY_NATION = "england"
LEGACY_ROLES = {"applicant_name": "full_name"}
# The declarations that make a template a law-aware one; a template with none of them is legacy.
LAW_KEYS = ("nation", "effective_from", "roles")

# Each role the services depend on, and the question types that can play it.
ROLE_TYPES: dict[str, tuple[str, ...]] = {
    "applicant_name": ("text",),
    "age_band": ("single_choice",),
    "contact_email": ("email",),
    # Officers find a case by it (the cases service keeps it on the case).
    "applicant_postcode": ("postcode",),
    "notice_type": ("single_choice",),
    "notice_ground": ("single_choice", "text"),
    "notice_served_on": ("date",),
    "notice_leave_on": ("date",),
    "tenancy_started_on": ("date",),
    "exclusion_date": ("date",),
    "release_date": ("date",),
    "discharge_date": ("date",),
    "asylum_decision_on": ("date",),
    # A public body's referral under the duty to refer (HA 1996 s.213B), made with consent.
    "referred_by": ("single_choice",),
    "referral_consent": ("boolean",),
}
REQUIRED_ROLES = ("applicant_name",)
# A notice can only be checked with all of these; the tenancy start is optional (it matters only
# to grounds barred early in a tenancy).
NOTICE_ROLES = ("notice_type", "notice_ground", "notice_served_on", "notice_leave_on")
# A notice type or ground the customer cannot name: the check says "unclear", never refuses.
UNSURE_VALUES = ("other", "not_sure")
# NoticeFacts field -> the role whose question answered it (to name the question in an error).
FACT_ROLES = {
    "notice_type": "notice_type",
    "ground": "notice_ground",
    "served_on": "notice_served_on",
    "leave_on": "notice_leave_on",
    "tenancy_started_on": "tenancy_started_on",
}
MAX_COMPUTED_DAYS = 3650


@dataclass(frozen=True)
class TemplateLaw:
    nation: str
    effective_from: date | None
    effective_to: date | None
    roles: Mapping[str, str] = field(default_factory=dict)  # role -> question key


def is_legacy(template: Template) -> bool:
    return not any(key in template for key in LAW_KEYS)


def template_law(template: Template) -> TemplateLaw:
    """The nation, dates and roles of a published (already checked) template."""
    if is_legacy(template):
        return TemplateLaw(LEGACY_NATION, None, None, dict(LEGACY_ROLES))
    return TemplateLaw(
        template["nation"],
        _date(template.get("effective_from")),
        _date(template.get("effective_to")),
        dict(template.get("roles") or {}),
    )


def resolve_roles(template: Template, answers: dict[str, Any]) -> dict[str, Any]:
    """Each declared role with the answer to its question (None when unanswered)."""
    return {role: answers.get(key) for role, key in template_law(template).roles.items()}


# --- publish checks ------------------------------------------------------------------------------


def check_law(
    template: Template, by_key: dict[str, dict[str, Any]], council_nation: str | None
) -> FieldErrors:
    """Problems with the template's nation, effective dates and roles, keyed by ``nation``,
    ``effective_from``, ``effective_to``, ``roles`` or ``roles.<role>``. ``council_nation``
    None skips the comparison with the council's own nation (an offline check)."""
    errors: FieldErrors = {}
    nation = template.get("nation")
    if not isinstance(nation, str) or nation not in law.NATIONS:
        errors["nation"] = [f"{nation!r} is not a nation: one of {', '.join(law.NATIONS)}"]
    elif council_nation is not None and nation != council_nation:
        errors["nation"] = [
            f"this council follows the law of {council_nation}: a template for {nation} "
            "cannot be used here"
        ]
    starts, ends = _effective_dates(template, errors)
    packs: list[law.LawPack] = []
    if "nation" not in errors and starts is not None and "effective_to" not in errors:
        packs = packs_in_force(nation, starts, ends)
        if not packs:
            errors["effective_from"] = [f"no {nation} law is in force from {starts.isoformat()}"]
    errors.update(_role_problems(template.get("roles"), by_key, packs))
    return errors


def packs_in_force(nation: str, starts: date, ends: date | None) -> list[law.LawPack]:
    """The nation's law packs in force on any day from ``starts`` to ``ends`` (open-ended)."""
    return [
        pack
        for pack in law.all_packs()
        if pack.nation == nation
        and (ends is None or pack.effective_from <= ends)
        and (pack.effective_to is None or pack.effective_to >= starts)
    ]


def _effective_dates(template: Template, errors: FieldErrors) -> tuple[date | None, date | None]:
    # Text only: a date object would not survive storage as JSON.
    starts = (
        _date(template.get("effective_from")) if _is_text(template.get("effective_from")) else None
    )
    if starts is None:
        errors["effective_from"] = ["required: the first day the form applies, as YYYY-MM-DD"]
    ends = None
    if template.get("effective_to") is not None:
        ends = _date(template["effective_to"]) if _is_text(template["effective_to"]) else None
        if ends is None:
            errors["effective_to"] = ["must be a date as YYYY-MM-DD, or absent"]
        elif starts is not None and ends < starts:
            errors["effective_to"] = ["must not be before effective_from"]
    return starts, ends


def _role_problems(
    roles: Any, by_key: dict[str, dict[str, Any]], packs: list[law.LawPack]
) -> FieldErrors:
    if not isinstance(roles, dict):
        return {"roles": ["must map each role to the key of the question that answers it"]}
    errors: FieldErrors = {}
    for role, key in roles.items():
        problem = _role_problem(role, key, by_key)
        if problem:
            errors[f"roles.{role}"] = [problem]
    for role in REQUIRED_ROLES:
        if role not in roles:
            errors[f"roles.{role}"] = ["required: every template names the question for it"]
    declared = [role for role in NOTICE_ROLES if role in roles]
    if declared:
        for role in NOTICE_ROLES:
            if role not in roles:
                errors[f"roles.{role}"] = [
                    f"required with the other notice roles: {', '.join(NOTICE_ROLES)}"
                ]
    if packs:
        for role, allowed in (
            ("notice_type", _notice_types(packs)),
            ("notice_ground", _grounds(packs)),
        ):
            question = by_key.get(roles.get(role)) if f"roles.{role}" not in errors else None
            if question is None or question["type"] != "single_choice":
                continue
            unknown = [value for value in _option_values(question) if value not in allowed]
            if unknown:
                errors[f"roles.{role}"] = [_not_in_law(role, unknown, allowed, packs)]
    return errors


def _option_values(question: dict[str, Any]) -> list[Any]:
    """The option values worth comparing; malformed options are the question check's to report."""
    options = question.get("options")
    if not isinstance(options, list):
        return []
    values = [o.get("value") for o in options if isinstance(o, dict)]
    return [value for value in values if isinstance(value, str | int)]


def _role_problem(role: Any, key: Any, by_key: dict[str, dict[str, Any]]) -> str | None:
    if role not in ROLE_TYPES:
        return f"unknown role: one of {', '.join(sorted(ROLE_TYPES))}"
    question = by_key.get(key) if isinstance(key, str) else None
    if question is None:
        return f"refers to unknown question {key!r}"
    allowed = ROLE_TYPES[role]
    if question.get("type") not in allowed:
        return f"needs a {' or '.join(allowed)} question; {key!r} is {question.get('type')}"
    return None


def _notice_types(packs: list[law.LawPack]) -> set[Any]:
    return {key for pack in packs for key in pack.notice_types} | set(UNSURE_VALUES)


def _grounds(packs: list[law.LawPack]) -> set[Any]:
    return {
        ground
        for pack in packs
        for notice in pack.notice_types.values()
        for ground in notice.grounds
    } | set(UNSURE_VALUES)


def _not_in_law(role: str, unknown: list[Any], allowed: set[Any], packs: list[law.LawPack]) -> str:
    what = "notice types" if role == "notice_type" else "grounds"
    keys = ", ".join(pack.key for pack in packs)
    return (
        f"options {unknown} are not {what} of the law in force ({keys}): "
        f"use {', '.join(sorted(map(str, allowed)))}"
    )


def check_computed_dates(
    template: Template, by_key: dict[str, dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], FieldErrors]:
    """The computed dates as date pseudo-questions for rules, and their problems keyed by
    ``computed_dates[i]``."""
    declared = template.get("computed_dates", [])
    if not isinstance(declared, list):
        return {}, {"computed_dates": ["must be a list of {key, from, add_days}"]}
    pseudo: dict[str, dict[str, Any]] = {}
    errors: FieldErrors = {}
    for index, item in enumerate(declared):
        problems = _computed_date_problems(item, by_key, pseudo)
        if problems:
            errors[f"computed_dates[{index}]"] = problems
        else:
            pseudo[item["key"]] = {"key": item["key"], "type": "date"}
    return pseudo, errors


def _computed_date_problems(
    item: Any, by_key: dict[str, dict[str, Any]], earlier: dict[str, Any]
) -> list[str]:
    if not isinstance(item, dict):
        return ["must be an object {key, from, add_days}"]
    problems = []
    key = item.get("key")
    if not isinstance(key, str) or not key.isidentifier() or not key.islower():
        problems.append("key must be a snake_case name")
    elif key in by_key or key in earlier or key in law.DERIVED_FACTS:
        problems.append(f"key {key!r} is already a question, a derived fact or a computed date")
    source = by_key.get(item.get("from")) if isinstance(item.get("from"), str) else None
    if source is None or source.get("type") != "date":
        problems.append(f"from must name a date question, not {item.get('from')!r}")
    days = item.get("add_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_COMPUTED_DAYS:
        problems.append(f"add_days must be a whole number from 0 to {MAX_COMPUTED_DAYS}")
    if "source" in item and not isinstance(item["source"], str):
        problems.append("source must be text")
    return problems


# --- at submission -------------------------------------------------------------------------------


def computed_dates(template: Template, answers: dict[str, Any]) -> dict[str, str]:
    """The template's computed dates for these answers (ISO dates), where the answer exists."""
    computed = {}
    for item in template.get("computed_dates", []):
        start = _date(answers.get(item["from"]))
        if start is not None:
            computed[item["key"]] = (start + timedelta(days=item["add_days"])).isoformat()
    return computed


def notice_facts(template: Template, answers: dict[str, Any]) -> law.NoticeFacts | None:
    """The notice as the customer described it, or None when the template has no notice
    roles or the notice type was not answered."""
    roles = template_law(template).roles
    if "notice_type" not in roles or not is_answered(answers.get(roles["notice_type"])):
        return None

    def answer(role: str) -> Any:
        return answers.get(roles[role]) if role in roles else None

    ground = answer("notice_ground")
    return law.NoticeFacts(
        notice_type=answer("notice_type"),
        ground=None if not is_answered(ground) or ground in UNSURE_VALUES else ground,
        served_on=_date(answer("notice_served_on")),
        leave_on=_date(answer("notice_leave_on")),
        tenancy_started_on=_date(answer("tenancy_started_on")),
    )


def check_notice_answers(
    template: Template, answers: dict[str, Any], today: date
) -> tuple[law.NoticeCheck | None, FieldErrors]:
    """The notice check, or the problem keyed by the question whose answer contradicts the
    others (a notice served in the future, a date on it before its service...). None, and no
    problem, without a notice or for one served before any law pack the suite has."""
    facts = notice_facts(template, answers)
    if facts is None:
        return None, {}
    terms = template_law(template)
    try:
        return law.check_notice(terms.nation, facts, today), {}
    except law.NoPackInForce:
        # Served before the earliest law the suite knows: nothing can be said of it, but the
        # customer must still be able to ask for help; the officer reads the answers.
        return None, {}
    except law.NoticeFactsInvalid as invalid:
        role = FACT_ROLES.get(invalid.field, "notice_type")
        question = terms.roles.get(role, terms.roles["notice_type"])
        return None, {question: [invalid.message]}


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
