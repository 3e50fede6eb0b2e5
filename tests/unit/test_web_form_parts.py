"""What a posted page of the enquiry form means (services/gateway/web/form.py): the answer's
shape for each question type, what the check page shows, and which page comes next."""

from services.gateway.web.form import (
    Question,
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
