"""The enquiry form as pages, from the published question template: one question per page (the
Design System's "one thing per page"), the questions shown being the ones the enquiry service
says are visible now (its ``progress``), so conditional questions follow the template's
``show_if`` with no rule repeated here. Pure functions: what a question looks like, and what a
posted form means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

NUMBERS = {"integer", "decimal"}
# Autocomplete tokens (WCAG 1.3.5, identify input purpose) by question type.
AUTOCOMPLETE = {"email": "email", "phone": "tel", "postcode": "postal-code"}
INPUT_TYPE = {"email": "email", "phone": "tel"}


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: str
    help: str | None
    required: bool
    options: list[dict[str, str]]
    section: str

    @classmethod
    def all_of(cls, template: dict[str, Any]) -> list[Question]:
        found = []
        for section in template.get("sections", []):
            for question in section.get("questions", []):
                found.append(
                    cls(
                        key=question["key"],
                        type=question["type"],
                        label=question["label"],
                        help=question.get("help"),
                        required=bool(question.get("required")),
                        options=list(question.get("options") or []),
                        section=section.get("title", ""),
                    )
                )
        return found

    def field_names(self) -> list[str]:
        """The form fields a page posts for it (a date is three)."""
        if self.type == "date":
            return [f"{self.key}-day", f"{self.key}-month", f"{self.key}-year"]
        return [self.key]

    def read(self, form: dict[str, list[str]]) -> Any:
        """The answer a posted form gives, as the enquiry service takes it: it checks the value
        itself, so this only shapes it; an empty field removes the answer (None)."""
        values = form.get(self.key, [])
        if self.type == "multiple_choice":
            return [v for v in values if v] or None
        if self.type == "date":
            day, month, year = ((form.get(name) or [""])[0].strip() for name in self.field_names())
            if not (day or month or year):
                return None
            try:
                return date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                return f"{year}-{month}-{day}"  # refused by the service, naming the question
        value = (values or [""])[0].strip()
        if not value:
            return None
        if self.type == "boolean":
            return {"yes": True, "no": False}.get(value, value)
        if self.type == "integer":
            try:
                return int(value.replace(",", ""))
            except ValueError:
                return value
        return value

    def shown(self, answer: Any) -> str:
        """An answer as the check-your-answers page shows it."""
        if answer is None or answer == [] or answer == "":
            return ""
        if self.type == "boolean":
            return "Yes" if answer else "No"
        labels = {option["value"]: option["label"] for option in self.options}
        if self.type == "single_choice":
            return labels.get(answer, str(answer))
        if self.type == "multiple_choice":
            return ", ".join(labels.get(value, str(value)) for value in answer)
        if self.type == "date":
            try:
                return date.fromisoformat(answer).strftime("%-d %B %Y")
            except ValueError:
                return str(answer)
        return str(answer)

    def date_parts(self, answer: Any) -> dict[str, str]:
        try:
            day = date.fromisoformat(answer)
        except (TypeError, ValueError):
            return {"day": "", "month": "", "year": ""}
        return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def next_question(visible: list[str], answered_key: str | None) -> str | None:
    """The visible question after ``answered_key`` (the first one when None)."""
    if answered_key is None:
        return visible[0] if visible else None
    if answered_key in visible:
        position = visible.index(answered_key)
        return visible[position + 1] if position + 1 < len(visible) else None
    return None


def previous_question(visible: list[str], key: str) -> str | None:
    if key in visible and visible.index(key) > 0:
        return visible[visible.index(key) - 1]
    return None


def errors_for_questions(field_errors: dict[str, list[str]]) -> dict[str, str]:
    """The service's field errors (``answers.postcode``) by question key, first message each."""
    found = {}
    for path, messages in field_errors.items():
        key = path.removeprefix("answers.").split(".")[0]
        if messages and key not in found:
            found[key] = messages[0]
    return found
