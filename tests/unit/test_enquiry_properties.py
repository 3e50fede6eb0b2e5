"""Property tests: the answer validator over random answer sets on the starter template."""

from datetime import date, timedelta
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from services.enquiry import domain

SEED = Path(__file__).resolve().parents[2] / "services/enquiry/seed"
TEMPLATE = yaml.safe_load((SEED / "starter_template.yaml").read_text())
QUESTIONS = domain.questions(TEMPLATE)
TODAY = date(2026, 11, 24)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=10,
)


def valid_value(question):
    kind = question["type"]
    options = [o["value"] for o in question.get("options", [])]
    if kind == "boolean":
        return st.booleans()
    if kind == "single_choice":
        return st.sampled_from(options)
    if kind == "multiple_choice":
        return st.lists(st.sampled_from(options), min_size=1, unique=True)
    if kind == "integer":
        return st.integers(question.get("min", -(10**6)), question.get("max", 10**6))
    if kind == "decimal":
        return st.decimals(question.get("min", 0), question.get("max", 10**6), places=2).map(str)
    if kind == "date":
        return st.dates(TODAY - timedelta(days=400), TODAY + timedelta(days=400)).map(
            date.isoformat
        )
    if kind == "postcode":
        return st.sampled_from(["SW1A 1AA", "m1 1ae", "B33 8TH", "cr26xh", "GIR 0AA"])
    if kind == "email":
        return st.sampled_from(["a@b.co", "someone.else@example.org"])
    if kind == "phone":
        return st.sampled_from(["0300 123 4567", "+44 7700 900123"])
    return st.text(min_size=1, max_size=50).filter(str.strip)


complete_answers = st.fixed_dictionaries({q["key"]: valid_value(q) for q in QUESTIONS})
any_answers = st.dictionaries(
    st.sampled_from([q["key"] for q in QUESTIONS]) | st.text(max_size=10), json_values, max_size=25
)


@settings(max_examples=300, deadline=None)
@given(any_answers)
def test_any_answers_get_a_verdict_per_question_never_an_exception(answers):
    cleaned, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    known = {q["key"] for q in QUESTIONS}
    assert set(errors) <= known | set(answers)
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)
    assert set(cleaned) <= known and not set(cleaned) & set(errors)


@settings(max_examples=300, deadline=None)
@given(complete_answers)
def test_complete_valid_answers_pass_and_cleaning_is_stable(answers):
    cleaned, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    assert errors == {}
    shown = {q["key"] for q in domain.visible_questions(TEMPLATE, answers, TODAY)}
    assert set(cleaned) == shown
    again, errors = domain.validate_answers(TEMPLATE, cleaned, TODAY)
    assert errors == {} and again == cleaned
    assert domain.choose_workflow(TEMPLATE, cleaned, TODAY) in domain.workflows(TEMPLATE)


@settings(max_examples=200, deadline=None)
@given(complete_answers, st.data())
def test_any_part_of_valid_answers_can_be_saved_as_a_draft(answers, data):
    keys = data.draw(st.lists(st.sampled_from(sorted(answers)), unique=True))
    part = {key: answers[key] for key in keys}
    cleaned, errors = domain.check_draft_answers(TEMPLATE, part, TODAY)
    assert errors == {} and set(cleaned) == set(part)
    progress = domain.progress(TEMPLATE, cleaned, TODAY)
    assert set(progress["missing_required"]) <= set(progress["visible_questions"])


@settings(max_examples=200, deadline=None)
@given(complete_answers, st.sampled_from([q for q in QUESTIONS if q.get("required")]))
def test_dropping_a_shown_required_answer_is_reported_for_that_question(answers, question):
    if question not in domain.visible_questions(TEMPLATE, answers, TODAY):
        return
    answers = {k: v for k, v in answers.items() if k != question["key"]}
    _, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    assert errors.get(question["key"]) == ["an answer is required"]
