from datetime import date

from services.enquiry import domain

TODAY = date(2026, 11, 24)
TEMPLATE = {
    "key": "t",
    "version": 1,
    "title": "T",
    "sections": [
        {
            "key": "s",
            "title": "S",
            "questions": [
                {"key": "full_name", "type": "text", "required": True, "max_length": 20},
                {"key": "postcode", "type": "postcode", "required": True},
                {"key": "adults", "type": "integer", "min": 1, "max": 20},
                {"key": "income", "type": "decimal", "min": 0},
                {
                    "key": "tenure",
                    "type": "single_choice",
                    "required": True,
                    "options": [{"value": "private_rented"}, {"value": "owner"}],
                },
                {
                    "key": "has_notice",
                    "type": "boolean",
                    "required": True,
                    "show_if": {"eq": ["tenure", "private_rented"]},
                },
                {"key": "expiry", "type": "date", "show_if": {"eq": ["has_notice", True]}},
                {
                    "key": "needs",
                    "type": "multiple_choice",
                    "options": [{"value": "a"}, {"value": "b"}],
                },
                {"key": "email", "type": "email"},
                {"key": "phone", "type": "phone"},
            ],
        }
    ],
    "triage": [{"workflow": "private_rented_eviction", "when": {"eq": ["has_notice", True]}}],
    "default_workflow": "advice_only",
}


def test_valid_answers_are_normalised():
    answers = {
        "full_name": "  Siobhán Łódź ",
        "postcode": "sw1a1aa",
        "adults": 2,
        "income": "1200.50",
        "tenure": "private_rented",
        "has_notice": True,
        "expiry": "2027-01-05",
        "needs": ["b", "a", "b"],
    }
    cleaned, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    assert errors == {}
    assert cleaned["full_name"] == "Siobhán Łódź"
    assert cleaned["postcode"] == "SW1A 1AA"
    assert cleaned["income"] == 1200.5
    assert cleaned["needs"] == ["a", "b"]


def test_every_problem_is_reported_at_once_by_question_key():
    answers = {
        "full_name": "x" * 21,
        "postcode": "NOT A POSTCODE",
        "adults": 0,
        "income": "lots",
        "tenure": "castle",
        "needs": ["c"],
        "email": "nope",
        "phone": "call me",
        "shoe_size": 9,
    }
    _, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    assert set(errors) == {
        "full_name",
        "postcode",
        "adults",
        "income",
        "tenure",
        "needs",
        "email",
        "phone",
        "shoe_size",
    }
    assert errors["shoe_size"] == ["this question is not on the form"]


def test_conditional_question_required_only_when_shown_and_dropped_when_hidden():
    base = {"full_name": "A", "postcode": "M1 1AE"}
    _, errors = domain.validate_answers(TEMPLATE, {**base, "tenure": "private_rented"}, TODAY)
    assert errors == {"has_notice": ["an answer is required"]}
    cleaned, errors = domain.validate_answers(
        TEMPLATE, {**base, "tenure": "owner", "expiry": "2027-01-01"}, TODAY
    )
    assert errors == {}
    assert "expiry" not in cleaned


def test_types_are_strict():
    base = {"full_name": "A", "postcode": "M1 1AE", "tenure": "owner"}
    for key, value in [("adults", True), ("adults", 1.5), ("adults", "2")]:
        _, errors = domain.validate_answers(TEMPLATE, {**base, key: value}, TODAY)
        assert key in errors, (key, value)


def test_triage_picks_first_matching_workflow_or_default():
    assert domain.choose_workflow(TEMPLATE, {"has_notice": True}, TODAY) == (
        "private_rented_eviction"
    )
    assert domain.choose_workflow(TEMPLATE, {}, TODAY) == "advice_only"


def test_template_checks_name_the_question():
    broken = {
        "key": "t",
        "title": "T",
        "sections": [
            {
                "key": "s",
                "questions": [
                    {"key": "a", "type": "text"},
                    {"key": "a", "type": "text"},
                    {"key": "b", "type": "colour"},
                    {"key": "c", "type": "single_choice"},
                    {"key": "d", "type": "text", "show_if": {"eq": ["zzz", 1]}},
                    {"key": "e", "type": "text", "show_if": {"answered": "e"}},
                    {"key": "f", "type": "integer", "min": 5, "max": 1},
                    {"key": "g", "type": "boolean"},
                    {"key": "h", "type": "text", "show_if": {"eq": ["g", "yes"]}},
                    {"key": "i", "type": "single_choice", "options": [{"value": "x"}]},
                    {"key": "j", "type": "text", "show_if": {"in": ["i", ["x", "y"]]}},
                    {"key": "k", "type": "text", "show_if": {"within_days": ["f", 3]}},
                    {"key": "m", "type": "text", "show_if": {"answered": "n"}},
                    {"key": "n", "type": "text", "show_if": {"answered": "m"}},
                    {
                        "key": "o",
                        "type": "multiple_choice",
                        "options": [{"value": 1}, {"value": 1}],
                    },
                ],
            }
        ],
        "triage": [{"workflow": "x", "when": {"bad": 1}}, {"workflow": "Bad Name", "when": True}],
        "default_workflow": "x",
    }
    errors = domain.check_template(broken)
    assert errors["a"] == ["duplicate question key"]
    assert "unknown type" in errors["b"][0]
    assert errors["c"] == ["a choice question needs options"]
    assert "unknown question 'zzz'" in errors["d"][0]
    assert "cycle" in errors["e"][0]
    assert errors["f"] == ["min is greater than max"]
    assert "'yes' is not true or false" in errors["h"][0]
    assert "'y' is not one of its options" in errors["j"][0]
    assert "needs a date question" in errors["k"][0]
    assert errors["m"] == ["conditions form a cycle: m -> n -> m"]
    assert errors["o"] == ["option values must be unique"]
    assert "unknown operator" in errors["triage[0]"][0]
    assert "snake_case" in errors["triage[1]"][0]


def test_template_structure_problems_are_reported_before_anything_else():
    assert domain.check_template([]) == {"template": ["must be an object"]}
    errors = domain.check_template({"sections": [{"questions": [{"type": "text"}]}]})
    assert set(errors) == {"template"}
    assert any(m.startswith("key is required") for m in errors["template"])
    assert "sections[0].questions[0] needs a key" in errors["template"]


def test_an_answer_left_on_a_hidden_question_does_not_show_its_dependants():
    # has_notice was answered, then tenure changed so that has_notice is no longer asked.
    answers = {"full_name": "A", "postcode": "M1 1AE", "tenure": "owner", "has_notice": True}
    shown = [q["key"] for q in domain.visible_questions(TEMPLATE, answers, TODAY)]
    assert "has_notice" not in shown and "expiry" not in shown
    cleaned, errors = domain.validate_answers(TEMPLATE, answers, TODAY)
    assert errors == {} and "has_notice" not in cleaned


def test_prefill_keeps_only_answers_that_fit_the_new_template():
    new = {
        **TEMPLATE,
        "sections": [
            {
                "key": "s",
                "title": "S",
                "questions": [
                    {"key": "full_name", "type": "text"},
                    {"key": "adults", "type": "text"},
                    {"key": "tenure", "type": "single_choice", "options": [{"value": "owner"}]},
                ],
            }
        ],
    }
    previous = {"full_name": "Jo", "adults": 2, "tenure": "private_rented", "postcode": "M1 1AE"}
    assert domain.prefill_answers(new, TEMPLATE, previous) == {"full_name": "Jo"}


def test_an_email_address_is_checked_in_one_pass():
    from services.enquiry.domain import is_email_address

    assert is_email_address("jo@example.org") and is_email_address("jo.b+x@mail.example.co.uk")
    for bad in (
        "jo",
        "jo@",
        "@example.org",
        "jo@example",
        "jo@@example.org",
        "j o@example.org",
        "jo@example.",
        "jo@.org",
    ):
        assert not is_email_address(bad), bad
