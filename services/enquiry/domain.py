"""Question templates and answers: pure rules, no nameko, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.enquiry import events, template_law, template_welsh
from shared import law
from shared.aggregate import Aggregate, Change
from shared.envelope import Envelope
from shared.errors import Conflict, ValidationFailed
from shared.rules import (
    InvalidCondition,
    check_against_questions,
    check_condition,
    evaluate,
    is_answered,
    question_keys,
)

QUESTION_TYPES = {
    "boolean",
    "single_choice",
    "multiple_choice",
    "integer",
    "decimal",
    "date",
    "text",
    "postcode",
    "email",
    "phone",
}
# The UK postcode shape (outward code, space optional, inward code); GIR 0AA is the one oddity.
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
# The longest address SMTP can carry (RFC 5321 s.4.5.3.1.3).
EMAIL_LIMIT = 254
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
DEFAULT_TEXT_LIMIT = 2000

Template = dict[str, Any]
FieldErrors = dict[str, list[str]]


def questions(template: Template) -> list[dict[str, Any]]:
    return [q for section in template["sections"] for q in section["questions"]]


def check_template(
    template: Template, council_nation: str | None = None, *, allow_legacy: bool = False
) -> FieldErrors:
    """Every problem that makes a template unpublishable, keyed by question key (or
    ``template``, ``nation``, ``effective_from``, ``roles.<role>``, ``computed_dates[i]``,
    ``triage[i]``, ``duty_triage[i]``, or the path of a Welsh text such as
    ``sections[0].questions[2].label_cy``): structure, duplicate keys, option lists, limits,
    conditions that refer to unknown questions or impossible values, cycles between conditions,
    the Welsh (all of the form's words or none: ``template_welsh``), and the law the template
    declares (its nation, which must be the council's, its effective dates, and the roles its
    questions play). ``allow_legacy`` accepts a template that declares no nation, dates or
    roles (a version published before they existed); ``council_nation`` None skips the
    comparison with the council's nation."""
    structure = _check_structure(template)
    if structure:
        return structure
    errors: FieldErrors = {}
    seen: set[str] = set()
    by_key = {q["key"]: q for q in questions(template)}
    for question in questions(template):
        key = question["key"]
        problems = errors.setdefault(key, [])
        if key in seen:
            problems.append("duplicate question key")
        seen.add(key)
        if key in law.DERIVED_FACTS:
            problems.append("this key is reserved for a fact derived from the notice check")
        problems.extend(_question_problems(question))
        if "show_if" in question:
            problems.extend(_condition_problems(question["show_if"], by_key))
    for cycle in _show_if_cycles(by_key):
        errors.setdefault(cycle[0], []).append("conditions form a cycle: " + " -> ".join(cycle))
    for path, messages in template_welsh.check_welsh(template).items():
        errors.setdefault(path, []).extend(messages)
    if not (allow_legacy and template_law.is_legacy(template)):
        errors.update(template_law.check_law(template, by_key, council_nation))
    computed, computed_errors = template_law.check_computed_dates(template, by_key)
    errors.update(computed_errors)
    # Triage sees more than the questions: the facts derived from the notice check and the
    # computed dates, declared like questions so conditions on them are checked the same way.
    rule_questions = {**law.DERIVED_FACTS, **computed, **by_key}
    for index, rule in enumerate(template.get("triage", [])):
        problems = _condition_problems(rule.get("when"), rule_questions)
        if not isinstance(rule.get("workflow"), str) or not WORKFLOW_KEY.match(rule["workflow"]):
            problems.append("workflow must be a snake_case workflow key")
        if problems:
            errors[f"triage[{index}]"] = problems
    for index, rule in enumerate(template.get("duty_triage", [])):
        problems = _condition_problems(rule.get("when"), rule_questions)
        if rule.get("duty") not in DUTIES:
            problems.append(f"duty must be one of {', '.join(DUTIES)}")
        if problems:
            errors[f"duty_triage[{index}]"] = problems
    return {key: messages for key, messages in errors.items() if messages}


# The duties triage may suggest: relief (s.189B) for the homeless, prevention (s.195) for the
# threatened with homelessness, none otherwise. The officer decides.
DUTIES = ("relief", "prevention", "none")
DEFAULT_DUTY = "none"
WORKFLOW_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
QUESTION_KEY_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


def _check_structure(template: Any) -> FieldErrors:
    problems: list[str] = []
    if not isinstance(template, dict):
        return {"template": ["must be an object"]}
    if not isinstance(template.get("key"), str) or not QUESTION_KEY_TEXT.match(template["key"]):
        problems.append("key is required: letters, digits, - and _, at most 100 characters")
    title = template.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        problems.append("title is required, at most 200 characters")
    if not isinstance(template.get("default_workflow"), str) or not WORKFLOW_KEY.match(
        template["default_workflow"]
    ):
        problems.append("default_workflow must be a snake_case workflow key")
    if not isinstance(template.get("triage", []), list) or not all(
        isinstance(rule, dict) for rule in template.get("triage", [])
    ):
        problems.append("triage must be a list of {workflow, when}")
    if not isinstance(template.get("duty_triage", []), list) or not all(
        isinstance(rule, dict) for rule in template.get("duty_triage", [])
    ):
        problems.append("duty_triage must be a list of {duty, when}")
    if template.get("default_duty", DEFAULT_DUTY) not in DUTIES:
        problems.append(f"default_duty must be one of {', '.join(DUTIES)}")
    sections = template.get("sections")
    if not isinstance(sections, list) or not sections:
        problems.append("sections must be a non-empty list")
    else:
        for index, section in enumerate(sections):
            if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
                problems.append(f"sections[{index}] needs a list of questions")
                continue
            for position, question in enumerate(section["questions"]):
                if not isinstance(question, dict) or not isinstance(question.get("key"), str):
                    problems.append(f"sections[{index}].questions[{position}] needs a key")
                elif not QUESTION_KEY.match(question["key"]):
                    problems.append(f"question key {question['key']!r} must be snake_case")
    return {"template": problems} if problems else {}


def _question_problems(question: dict[str, Any]) -> list[str]:
    problems = []
    kind = question.get("type")
    if kind not in QUESTION_TYPES:
        return [f"unknown type {kind!r}"]
    if kind in ("single_choice", "multiple_choice"):
        options = question.get("options")
        if not isinstance(options, list) or not options:
            return ["a choice question needs options"]
        values = [o.get("value") if isinstance(o, dict) else None for o in options]
        if any(not isinstance(v, str | int) or isinstance(v, bool) for v in values):
            problems.append("every option needs a text or number value")
        elif len(set(values)) != len(values):
            problems.append("option values must be unique")
    limits = [question[b] for b in ("min", "max") if b in question]
    if limits and kind not in ("integer", "decimal"):
        problems.append("min and max apply to number questions only")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in limits):
        problems.append("min and max must be numbers")
    elif len(limits) == 2 and limits[0] > limits[1]:
        problems.append("min is greater than max")
    if "required" in question and not isinstance(question["required"], bool):
        problems.append("required must be true or false")
    return problems


def _condition_problems(condition: Any, by_key: dict[str, dict[str, Any]]) -> list[str]:
    try:
        check_condition(condition)
    except InvalidCondition as exc:
        return [f"invalid condition at {exc.path}: {exc.message}"]
    return [
        f"condition at {path}: {problem}"
        for path, problem in check_against_questions(condition, by_key)
    ]


def _show_if_cycles(by_key: dict[str, dict[str, Any]]) -> list[list[str]]:
    """A question shown only when another is answered, which is itself shown only when the first
    is answered (directly or through others), can never be shown. One entry per cycle found."""
    depends = {
        key: sorted(question_keys(q["show_if"]) & set(by_key)) if "show_if" in q else []
        for key, q in by_key.items()
    }
    cycles: list[list[str]] = []
    visiting: list[str] = []
    done: set[str] = set()

    def visit(key: str) -> None:
        if key in visiting:
            cycles.append([*visiting[visiting.index(key) :], key])
            return
        if key in done:
            return
        visiting.append(key)
        for other in depends[key]:
            visit(other)
        visiting.pop()
        done.add(key)

    for key in depends:
        visit(key)
    return cycles


def visible_questions(template: Template, answers: dict[str, Any], today: date) -> list[dict]:
    """The questions shown for these answers. A condition sees only the answers to questions
    that are themselves shown: an answer left behind on a question that a later change hid
    must not keep its dependants on screen."""
    by_key = {q["key"]: q for q in questions(template)}
    shown: dict[str, bool] = {}

    def is_shown(key: str, visiting: frozenset[str]) -> bool:
        if key not in shown:
            condition = by_key[key].get("show_if", True)
            if key in visiting:  # a cycle: rejected at publish time, never shown here
                return False
            relevant = {
                other: answers.get(other)
                for other in question_keys(condition)
                if other in by_key and is_shown(other, visiting | {key})
            }
            shown[key] = evaluate(condition, relevant, today)
        return shown[key]

    return [q for q in questions(template) if is_shown(q["key"], frozenset())]


def validate_answers(
    template: Template, answers: dict[str, Any], today: date
) -> tuple[dict[str, Any], FieldErrors]:
    """Check every answer at once. Returns the cleaned answers (normalised values, answers to
    questions the customer was never shown removed) and the problems per question key."""
    known = {q["key"] for q in questions(template)}
    errors: FieldErrors = {
        key: ["this question is not on the form"] for key in answers if key not in known
    }
    cleaned: dict[str, Any] = {}
    for question in visible_questions(template, answers, today):
        key = question["key"]
        value = answers.get(key)
        if not is_answered(value):
            if question.get("required"):
                errors[key] = ["an answer is required"]
            continue
        normalised, problems = _check_value(question, value)
        if problems:
            errors[key] = problems
        else:
            cleaned[key] = normalised
    return cleaned, errors


def _check_value(question: dict[str, Any], value: Any) -> tuple[Any, list[str]]:
    kind = question["type"]
    option_values = [o["value"] for o in question.get("options", [])]
    if kind == "boolean":
        return value, [] if isinstance(value, bool) else ["must be true or false"]
    if kind == "single_choice":
        return value, [] if value in option_values else [f"must be one of {option_values}"]
    if kind == "multiple_choice":
        if not isinstance(value, list):
            return value, ["must be a list of choices"]
        bad = [v for v in value if v not in option_values]
        if bad:
            return value, [f"{bad} not among {option_values}"]
        return sorted(set(value), key=option_values.index), []
    if kind in ("integer", "decimal"):
        return _check_number(question, value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat(), []
        except ValueError:
            return value, ["must be a date as YYYY-MM-DD"]
    if not isinstance(value, str):
        return value, ["must be text"]
    text = value.strip()
    # The length first: nothing below may look at more text than the form allows.
    limit = EMAIL_LIMIT if kind == "email" else question.get("max_length", DEFAULT_TEXT_LIMIT)
    if len(text) > limit:
        return value, [f"must be at most {limit} characters"]
    if kind == "postcode":
        text = re.sub(r"\s+", " ", text.upper())
        if not POSTCODE.match(text):
            return value, ["must be a UK postcode, such as SW1A 1AA"]
        return (text if " " in text else f"{text[:-3]} {text[-3:]}"), []
    if kind == "email" and not is_email_address(text):
        return value, ["must be an email address"]
    if kind == "phone" and not PHONE.match(text):
        return value, ["must be a phone number"]
    return text, []


def is_email_address(text: str) -> bool:
    """``local@domain.tld`` with no spaces and one ``@``: checked in one pass over the text (a
    backtracking pattern took seconds on long input, freezing the service)."""
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain or any(c.isspace() for c in text):
        return False
    name, dot, top = domain.rpartition(".")
    return bool(dot and name and top)


def _check_number(question: dict[str, Any], value: Any) -> tuple[Any, list[str]]:
    if isinstance(value, bool):
        return value, ["must be a number"]
    if question["type"] == "integer":
        if not isinstance(value, int):
            return value, ["must be a whole number"]
        number: int | Decimal = value
    else:
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):  # ValueError: an int of more than 4,300 digits
            return value, ["must be a number"]
        if not number.is_finite():
            return value, ["must be a number"]
    if "min" in question and number < question["min"]:
        return value, [f"must be at least {question['min']}"]
    if "max" in question and number > question["max"]:
        return value, [f"must be at most {question['max']}"]
    return (value if question["type"] == "integer" else float(number)), []


def choose_workflow(template: Template, facts: dict[str, Any], today: date) -> str:
    """The first triage rule whose condition holds picks the workflow. ``facts``: the answers
    with the derived facts and computed dates (see ``rule_facts``)."""
    for rule in template.get("triage", []):
        if evaluate(rule["when"], facts, today):
            return rule["workflow"]
    return template["default_workflow"]


def suggest_duty(template: Template, facts: dict[str, Any], today: date) -> str:
    """The first duty rule whose condition holds suggests the duty; the template's
    ``default_duty`` (``none`` unless it says otherwise) when none does."""
    for rule in template.get("duty_triage", []):
        if evaluate(rule["when"], facts, today):
            return rule["duty"]
    return template.get("default_duty", DEFAULT_DUTY)


def rule_facts(
    template: Template, answers: dict[str, Any], derived: dict[str, Any]
) -> dict[str, Any]:
    """What triage rules evaluate over: the answers, the facts derived from the notice check,
    and the template's computed dates."""
    return {**answers, **derived, **template_law.computed_dates(template, answers)}


@dataclass(frozen=True)
class Assessment:
    """What submission works out from valid answers, beyond the answers themselves."""

    nation: str
    roles: dict[str, Any]
    notice_check: law.NoticeCheck | None
    derived: dict[str, Any]
    workflow: str
    suggested_duty: str


def assess(
    template: Template, answers: dict[str, Any], today: date
) -> tuple[Assessment | None, FieldErrors]:
    """Check the notice the answers describe, then triage the workflow and the duty over the
    answers and what the check derived. A notice whose dates contradict each other is a
    problem keyed by the question that answered the contradicting date."""
    check, problems = template_law.check_notice_answers(template, answers, today)
    if problems:
        return None, problems
    derived = law.derived_facts(check)
    facts = rule_facts(template, answers, derived)
    return (
        Assessment(
            nation=template_law.template_law(template).nation,
            roles=template_law.resolve_roles(template, answers),
            notice_check=check,
            derived=derived,
            workflow=choose_workflow(template, facts, today),
            suggested_duty=suggest_duty(template, facts, today),
        ),
        {},
    )


def workflows(template: Template) -> set[str]:
    return {rule["workflow"] for rule in template.get("triage", [])} | {
        template["default_workflow"]
    }


def check_draft_answers(
    template: Template, answers: dict[str, Any], today: date
) -> tuple[dict[str, Any], FieldErrors]:
    """Save-and-return: check only the answers given (types, options, limits), keeping answers to
    questions not shown yet, since the customer may still change an earlier answer. Whether the
    form is complete is decided at submission."""
    by_key = {q["key"]: q for q in questions(template)}
    cleaned: dict[str, Any] = {}
    errors: FieldErrors = {}
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            errors[key] = ["this question is not on the form"]
        elif not is_answered(value):
            cleaned[key] = None
        else:
            normalised, problems = _check_value(question, value)
            if problems:
                errors[key] = problems
            else:
                cleaned[key] = normalised
    return cleaned, errors


def progress(template: Template, answers: dict[str, Any], today: date) -> dict[str, list[str]]:
    """What a front end needs to resume a draft: the questions to show now, and which required
    ones are still unanswered."""
    shown = visible_questions(template, answers, today)
    return {
        "visible_questions": [q["key"] for q in shown],
        "missing_required": [
            q["key"] for q in shown if q.get("required") and not is_answered(answers.get(q["key"]))
        ],
    }


def prefill_answers(
    template: Template, previous_template: Template, previous_answers: dict[str, Any]
) -> dict[str, Any]:
    """Answers from an earlier enquiry that still fit this template: same key, same type, and a
    value this template accepts. Everything else is left for the customer to answer again."""
    old_types = {q["key"]: q["type"] for q in questions(previous_template)}
    prefilled = {}
    for question in questions(template):
        key = question["key"]
        if key in previous_answers and old_types.get(key) == question["type"]:
            value, problems = _check_value(question, previous_answers[key])
            if not problems:
                prefilled[key] = value
    return prefilled


# --- the enquiry's lifecycle ----------------------------------------------------------------------

DRAFT, SUBMITTED = "draft", "submitted"
TRIAGE, OFFICER = "triage", "officer"

# What may be done to an enquiry in each state, and the state it leaves the enquiry in. A draft
# is the customer's to change until submitted; after that only an officer's workflow change.
TRANSITIONS: dict[str, dict[str, str]] = {
    DRAFT: {"save_answers": DRAFT, "submit": SUBMITTED},
    SUBMITTED: {"change_workflow": SUBMITTED},
}
# Why an action is refused in a state: the caller's message (Conflict).
REFUSALS = {
    DRAFT: "is a draft: choose the workflow when submitting",
    SUBMITTED: "was submitted and can no longer be changed",
}


class EnquiryBehaviour(Aggregate):
    """What an enquiry does, whatever stores it: ``models.Enquiry`` maps these attributes to
    its table. Every change goes through ``TRANSITIONS``; a refused one raises ``Conflict``.
    Each change records its event and audit entry (``shared.aggregate``); the audit keeps
    counts and names of questions, never the answers."""

    id: str
    correlation_id: str
    template_key: str
    template_version: int
    status: str
    answers: dict[str, Any]
    workflow: str | None
    workflow_source: str | None
    workflow_reason: str | None
    nation: str | None
    suggested_duty: str | None
    notice_check: dict[str, Any] | None
    updated_at: datetime | None
    submitted_at: datetime | None

    def require(self, action: str) -> None:
        """Refuse (``Conflict``) an action the enquiry's state does not allow."""
        if action not in TRANSITIONS.get(self.status, {}):
            raise Conflict(f"enquiry {self.id} {REFUSALS[self.status]}")

    def _move(self, action: str) -> None:
        self.require(action)
        self.status = TRANSITIONS[self.status][action]

    def announce_started(self, actor: str, prefilled_from: str | None) -> None:
        after = {
            "template": self._template_label,
            "prefilled_from": prefilled_from,
            "questions_prefilled": len(self.answers),
        }
        self._record(actor, None, after, events.enquiry_started(self))

    def save_answers(self, cleaned: dict[str, Any], now: datetime, actor: str) -> None:
        """Merge checked draft answers; an empty one (None) removes the earlier answer."""
        self._move("save_answers")
        before = {"questions_answered": len(self.answers)}
        merged = {**self.answers, **cleaned}
        self.answers = {key: value for key, value in merged.items() if value is not None}
        self.updated_at = now
        after = {"questions_answered": len(self.answers), "questions_changed": sorted(cleaned)}
        self._record(actor, before, after, action="enquiry.answers_saved")

    def submit(
        self,
        answers: dict[str, Any],
        assessment: Assessment,
        officer_choice: str | None,
        reason: str | None,
        now: datetime,
        actor: str,
    ) -> None:
        """Submit valid answers: triage's workflow unless an officer chose one (with a reason)."""
        self._move("submit")
        self.answers = answers
        self.workflow = officer_choice or assessment.workflow
        self.workflow_source = OFFICER if officer_choice else TRIAGE
        self.workflow_reason = reason if officer_choice else None
        self.nation = assessment.nation
        self.suggested_duty = assessment.suggested_duty
        check = assessment.notice_check
        self.notice_check = None if check is None else check.to_dict()
        self.updated_at = self.submitted_at = now
        after = {
            "template": self._template_label,
            "workflow": self.workflow,
            "workflow_source": self.workflow_source,
            "suggested_duty": self.suggested_duty,
            "notice_verdict": None if check is None else check.verdict,
            "questions_answered": len(answers),
        }
        event = events.enquiry_submitted(self, assessment.roles, assessment.derived)
        self._record(actor, None, after, event)

    def asks_nothing_new(self, answers: dict[str, Any] | None, officer_choice: str | None) -> bool:
        """Whether a submission sent again (a retry after a lost reply) asks for nothing new, so
        it answers with the enquiry as submitted and announces nothing twice."""
        return self.status == SUBMITTED and not answers and self.has_workflow(officer_choice)

    def has_workflow(self, officer_choice: str | None) -> bool:
        return officer_choice in (None, self.workflow)

    def change_workflow(
        self, workflow: str, allowed: set[str], reason: str, now: datetime, actor: str
    ) -> str | None:
        """An officer re-channels a submitted enquiry; returns the previous workflow."""
        self.require("change_workflow")
        if workflow not in allowed:
            raise ValidationFailed({"workflow": [f"must be one of {sorted(allowed)}"]})
        if workflow == self.workflow:
            raise Conflict(f"enquiry {self.id} is already on workflow {self.workflow}")
        self._move("change_workflow")
        previous = self.workflow
        self.workflow, self.workflow_source = workflow, OFFICER
        self.workflow_reason, self.updated_at = reason, now
        self._record(
            actor,
            {"workflow": previous},
            {"workflow": workflow, "reason": reason},
            events.workflow_changed(self, previous, actor),
        )
        return previous

    @property
    def _template_label(self) -> str:
        return f"{self.template_key}@{self.template_version}"

    def _record(
        self,
        actor: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        event: Envelope | None = None,
        action: str | None = None,
    ) -> None:
        self.record_change(
            Change(
                actor=actor,
                entity_type="enquiry",
                entity_id=self.id,
                case_id=None,
                correlation_id=self.correlation_id,
                before=before,
                after=after,
                event=event,
                action=action,
            )
        )
