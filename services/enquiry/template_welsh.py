"""A question template's words in Welsh. Pure: no nameko, no database.

Each English text a person reads has its Welsh beside it, in a field of the same name ending
``_cy``: the template's ``title_cy``, each section's ``title_cy``, each question's ``label_cy``
and ``help_cy``, each option's ``label_cy``. Beside the English, because that is where a council
editing the YAML looks, and where a missing one shows.

All or nothing: a template with any Welsh must have the Welsh of every English text it has. A
form half in Welsh serves a Welsh speaker worse than one in English (the Welsh Language
Standards ask for the whole service in Welsh), so a template either offers the form in Welsh or
does not, and the check names every text still missing. Option values are the same in both
languages: answers, conditions and triage never depend on the language.

A template with Welsh is new (the versions published before it have none), so its English is
checked more strictly than older templates' was: every English text must be text, every question
and option has a label, and an option has only ``value``, ``label`` and ``label_cy`` (an unquoted
comma in a YAML ``{...}`` option splits its label into a stray field, as it did in versions 1
and 2 of the starter form).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

FieldErrors = dict[str, list[str]]

WELSH = "_cy"
# The texts each part of a template may have, each with a Welsh twin.
TEXTS: dict[str, tuple[str, ...]] = {
    "template": ("title",),
    "section": ("title",),
    "question": ("label", "help"),
    "option": ("label",),
}
OPTION_FIELDS = frozenset({"value", "label", "label_cy"})
# The words a form in Welsh cannot do without: a question to ask, a choice to read.
REQUIRED = {"question": ("label",), "option": ("label",)}
ARTICLE = {"template": "a", "section": "a", "question": "a", "option": "an"}
TITLE_LIMIT = 200


def parts(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every part of a (structurally sound) template that may have words: its path prefix (as
    error keys name it), its kind (a key of ``TEXTS``) and the part itself."""
    yield "", "template", template
    for index, section in enumerate(template["sections"]):
        yield f"sections[{index}].", "section", section
        for position, question in enumerate(section["questions"]):
            prefix = f"sections[{index}].questions[{position}]."
            yield prefix, "question", question
            options = question.get("options")
            for number, option in enumerate(options if isinstance(options, list) else []):
                if isinstance(option, dict):
                    yield f"{prefix}options[{number}].", "option", option


def has_welsh(template: dict[str, Any]) -> bool:
    """Whether the template gives any of its words in Welsh (and so must give them all)."""
    return any(
        isinstance(name, str) and name.endswith(WELSH)
        for _prefix, _kind, part in parts(template)
        for name in part
    )


def check_welsh(template: dict[str, Any]) -> FieldErrors:
    """Problems with the template's Welsh, keyed by the path of the field that has the problem
    or lacks its Welsh (``sections[0].questions[2].options[1].label_cy``). None for a template
    without Welsh. The template's structure must already be sound (``domain._check_structure``)."""
    if not has_welsh(template):
        return {}
    errors: FieldErrors = {}
    for prefix, kind, part in parts(template):
        for name in part:
            problem = _field_problem(kind, str(name))
            if problem:
                errors[f"{prefix}{name}"] = [problem]
        for text in TEXTS[kind]:
            for field, messages in _pair_problems(kind, text, part).items():
                errors[prefix + field] = messages
    return errors


def _field_problem(kind: str, name: str) -> str | None:
    """A Welsh field this kind of part does not have, or a field no option has."""
    if name.endswith(WELSH) and name.removesuffix(WELSH) not in TEXTS[kind]:
        twins = " and ".join(text + WELSH for text in TEXTS[kind])
        return f"not a field of {ARTICLE[kind]} {kind}: its Welsh is {twins}"
    if kind == "option" and name not in OPTION_FIELDS and not name.endswith(WELSH):
        return (
            "not a field of an option (value, label, label_cy): in YAML, a comma in an "
            "unquoted label inside {...} ends the label there; put the label in quotes"
        )
    return None


def _pair_problems(kind: str, text: str, part: dict[str, Any]) -> FieldErrors:
    """One English text and its Welsh: both or neither (both for the words a form cannot do
    without, ``REQUIRED``), both text."""
    welsh = text + WELSH
    limit = TITLE_LIMIT if text == "title" else None
    if text not in part and welsh not in part:
        if text in REQUIRED.get(kind, ()):
            return {text: [f"required: every {kind} of a form in Welsh has its {text}"]}
        return {}
    if text not in part:
        return {welsh: [f"Welsh with no English: give the {text} too, or remove {welsh}"]}
    errors: FieldErrors = {}
    for field in (text, welsh):
        problem = _text_problem(part[field], limit) if field in part else None
        if problem:
            errors[field] = [problem]
    if welsh not in part:
        errors[welsh] = [
            f"missing: the template is in Welsh, so every {kind}'s {text} needs its Welsh"
        ]
    return errors


def _text_problem(value: Any, limit: int | None) -> str | None:
    if not isinstance(value, str):
        # YAML reads an unquoted Yes, No, true or a number as something other than text.
        return f"must be text, not {type(value).__name__} {value!r}: put it in quotes"
    if not value.strip():
        return "must not be empty"
    if limit is not None and len(value) > limit:
        return f"at most {limit} characters"
    return None
