"""The enquiry form as pages, from the published question template: one question per page (the
Design System's "one thing per page"), the questions shown being the ones the enquiry service
says are visible now (its ``progress``), so conditional questions follow the template's
``show_if`` with no rule repeated here. Pure functions: what a question looks like, and what a
posted form means."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.support import LazyProxy
from markupsafe import Markup, escape

from services.gateway.web import i18n
from services.gateway.web.i18n import _l
from services.gateway.web.rendering import in_english, long_date

NUMBERS = {"integer", "decimal"}
# Autocomplete tokens (WCAG 1.3.5, identify input purpose) by question type.
AUTOCOMPLETE = {"email": "email", "phone": "tel", "postcode": "postal-code"}
INPUT_TYPE = {"email": "email", "phone": "tel"}


def in_page_language(english: Any, welsh: str | None) -> Markup:
    """Words from the question template in the language of the page being rendered: the Welsh
    on a Welsh page when the template has it, else the English, marked as English on a page in
    another language (``in_english``) so that screen readers pronounce it as English."""
    if i18n.current() == "cy" and welsh:
        return escape(welsh)
    return in_english(english)


@dataclass(frozen=True)
class Question:
    """A question as the pages show it. The words are kept in both languages and chosen when a
    page is rendered (``heading``, ``hint``...), since only then is the page's language known."""

    key: str
    type: str
    label: str
    help: str | None
    required: bool
    options: list[dict[str, Any]]
    section: str
    # The template's Welsh (``label_cy``, ``help_cy``, the section's ``title_cy``), when it has
    # it; each option's ``label_cy`` stays in its option.
    label_cy: str | None = None
    help_cy: str | None = None
    section_cy: str | None = None

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
                        label_cy=question.get("label_cy"),
                        help_cy=question.get("help_cy"),
                        section_cy=section.get("title_cy"),
                    )
                )
        return found

    def heading(self) -> Markup:
        """The question, in the page's language (HTML)."""
        return in_page_language(self.label, self.label_cy)

    def hint(self) -> Markup:
        return in_page_language(self.help, self.help_cy)

    def caption(self) -> Markup:
        """The title of the question's section."""
        return in_page_language(self.section, self.section_cy)

    def option_label(self, option: Mapping[str, Any]) -> Markup:
        return in_page_language(option.get("label"), option.get("label_cy"))

    def title(self) -> LazyProxy:
        """The question as plain text in the page's language, looked up when the page is
        rendered: for the page's <title> and for messages that name the question."""

        def words() -> str:
            if i18n.current() == "cy" and self.label_cy:
                return self.label_cy
            return str(self.label)

        return LazyProxy(words, enable_cache=False)

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

    def shown(self, answer: Any) -> Markup:
        """An answer as the check-your-answers page shows it, in the page's language (HTML):
        the options' labels (never their values), Yes or No, a date as people write it."""
        if answer is None or answer == [] or answer == "":
            return Markup("")
        if self.type == "boolean":
            return escape(i18n.gettext("Yes") if answer else i18n.gettext("No"))
        if self.type in ("single_choice", "multiple_choice"):
            chosen = answer if isinstance(answer, list) else [answer]
            return Markup(", ").join(self._chosen(value) for value in chosen)
        if self.type == "date":
            return escape(long_date(answer))
        return escape(str(answer))

    def _chosen(self, value: Any) -> Markup:
        for option in self.options:
            if option.get("value") == value:
                return self.option_label(option)
        return escape(str(value))

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


class ServiceWords(str):
    """A message from a service, which has it in English only: marked as English when a page in
    another language shows it."""

    __slots__ = ()

    def __html__(self) -> str:
        return str(in_english(str(self)))


# The enquiry service's message for a required question left unanswered (docs/rpc.md).
ANSWER_REQUIRED = "an answer is required"


def errors_for_questions(
    field_errors: dict[str, list[str]], questions: Mapping[str, Question] | None = None
) -> dict[str, Any]:
    """The service's field errors (``answers.postcode``) by question key, first message each,
    in GOV.UK's words in the page's language where there are some for the problem (a postcode
    that is not one: the Design System's address pattern), else the service's own."""
    found: dict[str, Any] = {}
    for path, messages in field_errors.items():
        key = path.removeprefix("answers.").split(".")[0]
        if messages and key not in found:
            question = (questions or {}).get(key)
            found[key] = (
                _message_for(question, messages[0]) if question else ServiceWords(messages[0])
            )
    return found


def _message_for(question: Question, message: str) -> Any:
    if message == ANSWER_REQUIRED:
        return _l("Answer this question: %(question)s", question=question.title())
    if question.type == "postcode":
        return _l("Enter a full UK postcode, like AA3 1AB")
    if question.type == "email":
        return _l("Enter an email address in the correct format, like name@example.com")
    return ServiceWords(message)
