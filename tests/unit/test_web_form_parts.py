"""What a posted page of the enquiry form means (services/gateway/web/form.py): the answer's
shape for each question type, what the check page shows, which page comes next, the service's
errors in GOV.UK's words, and the template's words in the page's language."""

from services.gateway.web import i18n
from services.gateway.web.form import (
    Question,
    ServiceWords,
    errors_for_questions,
    next_question,
    previous_question,
)


def question(kind: str, **extra) -> Question:
    return Question(
        key="q",
        type=kind,
        label="Q?",
        help=None,
        required=False,
        options=extra.get("options", []),
        section="S",
    )


def test_each_type_of_answer_is_read_from_the_form():
    assert question("boolean").read({"q": ["yes"]}) is True
    assert question("boolean").read({"q": ["no"]}) is False
    assert question("boolean").read({}) is None
    assert question("integer").read({"q": ["1,200"]}) == 1200
    assert question("integer").read({"q": ["many"]}) == "many"  # the service names the error
    assert question("multiple_choice").read({"q": ["a", "b"]}) == ["a", "b"]
    assert question("multiple_choice").read({}) is None
    dated = question("date")
    assert dated.read({"q-day": ["7"], "q-month": ["3"], "q-year": ["2027"]}) == "2027-03-07"
    assert dated.read({"q-day": ["31"], "q-month": ["2"], "q-year": ["2027"]}) == "2027-2-31"
    assert dated.read({"q-day": [""], "q-month": [""], "q-year": [""]}) is None
    assert question("text").read({"q": ["  Jo  "]}) == "Jo"
    assert question("text").read({"q": ["   "]}) is None


def test_answers_as_the_check_page_shows_them():
    options = [{"value": "a", "label": "Apple"}, {"value": "b", "label": "Banana"}]
    assert question("single_choice", options=options).shown("b") == "Banana"
    assert question("multiple_choice", options=options).shown(["a", "b"]) == "Apple, Banana"
    assert question("date").shown("2027-03-07") == "7 March 2027"
    assert question("date").shown("2027-3-31x") == "2027-3-31x"
    assert question("boolean").shown(False) == "No"
    assert question("text").shown(None) == ""
    assert question("date").date_parts("2027-03-07") == {"day": "7", "month": "3", "year": "2027"}


def test_the_pages_follow_the_visible_questions():
    visible = ["name", "tenure", "notice_type"]
    assert next_question(visible, None) == "name"
    assert next_question(visible, "tenure") == "notice_type"
    assert next_question(visible, "notice_type") is None
    assert next_question(visible, "hidden") is None
    assert previous_question(visible, "tenure") == "name"
    assert previous_question(visible, "name") is None
    errors = {"answers.postcode": ["not a postcode"], "answers.dates.0": ["bad"]}
    assert errors_for_questions(errors) == {"postcode": "not a postcode", "dates": "bad"}


def test_questions_are_read_from_the_template_in_form_order():
    template = {
        "sections": [
            {"title": "A", "questions": [{"key": "x", "type": "text", "label": "X?"}]},
            {
                "title": "B",
                "questions": [{"key": "y", "type": "boolean", "label": "Y?", "required": True}],
            },
        ]
    }
    found = Question.all_of(template)
    assert [(q.key, q.section, q.required) for q in found] == [("x", "A", False), ("y", "B", True)]


WELSH_TEMPLATE = {
    "title": "Form",
    "title_cy": "Ffurflen",
    "sections": [
        {
            "title": "Your home",
            "title_cy": "Eich cartref",
            "questions": [
                {
                    "key": "tenure",
                    "type": "single_choice",
                    "label": "Where do you live?",
                    "label_cy": "Ble rydych chi'n byw?",
                    "help": "Choose one.",
                    "help_cy": "Dewiswch un.",
                    "options": [
                        {"value": "rent", "label": "I rent", "label_cy": "Rwy'n rhentu"},
                        {"value": "own", "label": "I own", "label_cy": "Rwy'n berchen"},
                    ],
                },
                {"key": "moved_on", "type": "date", "label": "When?", "label_cy": "Pryd?"},
                {"key": "safe", "type": "boolean", "label": "Safe?", "label_cy": "Yn ddiogel?"},
                {
                    "key": "postcode",
                    "type": "postcode",
                    "label": "Postcode",
                    "label_cy": "Cod post",
                },
            ],
        }
    ],
}


def test_a_template_in_welsh_is_shown_in_welsh_on_a_welsh_page():
    tenure, moved_on, safe, _postcode = Question.all_of(WELSH_TEMPLATE)
    assert (tenure.label_cy, tenure.help_cy, tenure.section_cy) == (
        "Ble rydych chi'n byw?",
        "Dewiswch un.",
        "Eich cartref",
    )
    # English pages stay English.
    assert tenure.heading() == "Where do you live?" and str(tenure.title()) == "Where do you live?"
    assert tenure.shown("own") == "I own" and safe.shown(True) == "Yes"
    with i18n.using("cy"):
        # Welsh words are not marked: the page is Welsh (lang="cy" on <html>).
        assert tenure.heading() == "Ble rydych chi&#39;n byw?"
        assert tenure.hint() == "Dewiswch un." and tenure.caption() == "Eich cartref"
        assert str(tenure.title()) == "Ble rydych chi'n byw?"
        assert tenure.option_label(tenure.options[0]) == "Rwy&#39;n rhentu"
        # The check page: option labels (never values), the catalogue's yes, a Welsh date.
        assert tenure.shown("own") == "Rwy&#39;n berchen"
        assert safe.shown(False) == i18n.translations("cy").gettext("No") == "Na"
        assert moved_on.shown("2026-12-02") == "2 Rhagfyr 2026"
    # The values posted and stored never change with the language.
    assert [o["value"] for o in tenure.options] == ["rent", "own"]


def test_an_english_only_template_is_marked_english_on_a_welsh_page():
    options = [{"value": "a", "label": "Apple"}, {"value": "b", "label": "Banana"}]
    english = question("multiple_choice", options=options)
    with i18n.using("cy"):
        assert english.heading() == '<span lang="en">Q?</span>'
        assert english.caption() == '<span lang="en">S</span>'
        assert english.shown(["a", "b"]) == (
            '<span lang="en">Apple</span>, <span lang="en">Banana</span>'
        )
        assert str(english.title()) == "Q?"


def test_the_services_errors_in_govuk_words():
    questions = {q.key: q for q in Question.all_of(WELSH_TEMPLATE)}
    found = errors_for_questions(
        {
            "answers.postcode": ["must be a UK postcode, such as SW1A 1AA"],
            "answers.tenure": ["an answer is required"],
            "answers.moved_on": ["must be a date as YYYY-MM-DD"],
            "answers.shoe_size": ["this question is not on the form"],
        },
        questions,
    )
    # The Design System's address pattern: "Enter a full UK postcode", with an example.
    assert str(found["postcode"]) == "Enter a full UK postcode, like AA3 1AB"
    assert str(found["tenure"]) == "Answer this question: Where do you live?"
    with i18n.using("cy"):
        welsh = i18n.translations("cy")
        assert str(found["postcode"]) == welsh.gettext("Enter a full UK postcode, like AA3 1AB")
        assert str(found["tenure"]) == "Atebwch y cwestiwn hwn: Ble rydych chi'n byw?"
        # What GOV.UK has no words for stays the service's, marked as English.
        assert isinstance(found["moved_on"], ServiceWords)
        assert found["moved_on"].__html__() == '<span lang="en">must be a date as YYYY-MM-DD</span>'
    assert found["moved_on"].__html__() == "must be a date as YYYY-MM-DD"
    assert found["shoe_size"] == "this question is not on the form"
