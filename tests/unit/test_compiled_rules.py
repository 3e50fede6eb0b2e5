"""The compiled rule engine equals the plain interpreter, and the indexed bank equals a scan."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.advice.domain import CompiledBank, StatementVersion, WorkflowDefinition, reasons_for
from shared.law import NATIONS
from shared.rules import check_condition, compile_condition, evaluate, explain

TODAY = date(2026, 11, 24)
KEYS = ["a", "b", "c", "d", "n", "when"]
scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["x", "y", "", "z"])
dates = st.dates(TODAY - timedelta(days=90), TODAY + timedelta(days=90)).map(date.isoformat)
answer_values = scalars | dates | st.lists(st.sampled_from(["x", "y", "z"]), max_size=3)
answers_strategy = st.dictionaries(st.sampled_from(KEYS), answer_values, max_size=6)

key = st.sampled_from(KEYS)
leaf = st.one_of(
    st.tuples(st.sampled_from(["eq", "ne"]), key, scalars).map(lambda t: {t[0]: [t[1], t[2]]}),
    st.tuples(st.sampled_from(["gt", "gte", "lt", "lte"]), key, st.integers(-3, 3)).map(
        lambda t: {t[0]: [t[1], t[2]]}
    ),
    st.tuples(key, st.lists(scalars, max_size=3)).map(lambda t: {"in": [t[0], t[1]]}),
    st.tuples(key, st.sampled_from(["x", "y"])).map(lambda t: {"contains": [t[0], t[1]]}),
    st.tuples(key, st.integers(0, 60)).map(lambda t: {"within_days": [t[0], t[1]]}),
    key.map(lambda k: {"answered": k}),
    key.map(lambda k: {"before_today": k}),
    st.booleans(),
)
conditions = st.recursive(
    leaf,
    lambda children: (
        st.lists(children, max_size=4).map(lambda cs: {"all": cs})
        | st.lists(children, max_size=4).map(lambda cs: {"any": cs})
        | children.map(lambda c: {"not": c})
    ),
    max_leaves=12,
)


@settings(max_examples=1000, deadline=None)
@given(conditions, answers_strategy)
def test_compiled_condition_equals_interpreter(condition, answers):
    check_condition(condition)
    expected = evaluate(condition, answers, TODAY)
    assert compile_condition(condition)(answers, TODAY) is expected
    assert explain(condition, answers, TODAY)["held"] is expected


WORKFLOWS = [WorkflowDefinition("w1", "W1", ("s1", "s2")), WorkflowDefinition("w2", "W2", ("s2",))]
statements_strategy = st.lists(
    st.builds(
        StatementVersion,
        key=st.text("abcdefgh", min_size=1, max_size=4),
        version=st.just(1),
        title=st.just("t"),
        body=st.just("b"),
        section=st.sampled_from(["s1", "s2", "s3"]),
        priority=st.integers(0, 3),
        workflows=st.sampled_from([("w1",), ("w2",), ("w1", "w2")]),
        condition=conditions,
        nations=st.sampled_from(
            [("england",), ("wales",), ("scotland", "england"), ("england", "wales", "scotland")]
        ),
        effective_from=st.none() | st.just(TODAY + timedelta(days=1)),
        effective_to=st.none() | st.just(TODAY - timedelta(days=1)) | st.just(TODAY),
    ),
    max_size=25,
    unique_by=lambda s: s.key,
)


def scan(statements, workflow, answers, nation):
    rank = {s: i for i, s in enumerate(workflow.sections)}
    chosen = [
        s
        for s in statements
        if nation in s.nations
        and workflow.key in s.workflows
        and s.section in rank
        and s.in_effect(TODAY)
        and evaluate(s.condition, answers, TODAY)
    ]
    return sorted(chosen, key=lambda s: (rank[s.section], s.priority, s.key))


@settings(max_examples=400, deadline=None)
@given(statements_strategy, answers_strategy)
def test_indexed_bank_matches_a_plain_scan(statements, answers):
    bank = CompiledBank(statements, WORKFLOWS)
    for nation in NATIONS:
        for workflow in WORKFLOWS:
            chosen = bank.match(workflow.key, answers, TODAY, nation)
            assert chosen == scan(statements, workflow, answers, nation)


def statement(key, condition, **extra):
    defaults = dict(
        version=1,
        title=key,
        body="b",
        section="s1",
        priority=1,
        workflows=("w1",),
        nations=("england",),
    )
    return StatementVersion(key=key, condition=condition, **{**defaults, **extra})


def test_why_explains_a_statement_not_chosen():
    s21 = statement("s21", {"all": [{"eq": ["notice", "s21"]}, {"within_days": ["expiry", 56]}]})
    bank = CompiledBank(
        [s21, statement("old", True, effective_to=TODAY - timedelta(days=1))], WORKFLOWS
    )
    answers = {"notice": "s21", "expiry": (TODAY + timedelta(days=70)).isoformat()}
    why = bank.why("s21", "w1", answers, TODAY, "england")
    assert why["chosen"] is False and why["eligible_for_workflow"] and why["in_effect"]
    assert why["for_nation"] is True and why["nations"] == ["england"]
    held = [(c["question"], c["held"]) for c in why["condition"]["conditions"]]
    assert held == [("notice", True), ("expiry", False)]
    assert why["condition"]["conditions"][1]["answer"] == answers["expiry"]
    assert bank.why("old", "w1", {}, TODAY, "england")["in_effect"] is False
    assert bank.why("s21", "w2", answers, TODAY, "england")["eligible_for_workflow"] is False
    in_wales = bank.why("s21", "w1", {**answers, "expiry": TODAY.isoformat()}, TODAY, "wales")
    assert (in_wales["for_nation"], in_wales["chosen"]) == (False, False)


def test_reasons_list_the_conditions_that_held_with_their_answers():
    chosen = statement(
        "kids", {"all": [{"gt": ["children", 0]}, {"not": {"eq": ["tenure", "owner"]}}]}
    )
    reasons = reasons_for(chosen, {"children": 2, "tenure": "private_rented"}, TODAY)
    assert reasons == [
        {
            "path": "$.all[0].gt",
            "operator": "gt",
            "question": "children",
            "answer": 2,
            "expected": 0,
        },
    ]
    assert reasons_for(statement("all", True), {}, TODAY) == []


def bank_statement(key, **fields):
    """A statement as a bank file holds it, with the law metadata every statement needs."""
    defaults = {
        "title": "t",
        "body": "b",
        "section": "s1",
        "workflows": ["w1"],
        "nations": ["england"],
        "source": "Housing Act 1996 s.179",
        "reviewed_on": TODAY,
    }
    return {"key": key, **defaults, **fields}


def test_bank_checked_against_the_question_template_names_statement_and_node():
    questions = {
        "tenure": {
            "key": "tenure",
            "type": "single_choice",
            "options": [{"value": "private_rented"}, {"value": "owner"}],
        },
        "children": {"key": "children", "type": "integer"},
        "needs": {"key": "needs", "type": "multiple_choice", "options": [{"value": "mental"}]},
        "expiry": {"key": "expiry", "type": "date"},
    }
    bank = {
        "sections": [{"key": "s1", "title": "S"}],
        "workflows": [{"key": "w1", "title": "W", "sections": ["s1"]}],
        "statements": [
            bank_statement(
                "ok",
                when={"all": [{"eq": ["tenure", "owner"]}, {"contains": ["needs", "mental"]}]},
            ),
            # The facts derived from the notice check are questions as far as conditions go.
            bank_statement(
                "derived",
                when={
                    "all": [
                        {"eq": ["notice_verdict", "can_be_valid"]},
                        {"eq": ["threatened_by_notice", True]},
                        {"within_days": ["notice_threatened_from", 55]},
                    ]
                },
            ),
            bank_statement("bad-derived", when={"eq": ["notice_verdict", "maybe"]}),
            bank_statement("bad-option", when={"any": [{"eq": ["tenure", "castle"]}]}),
            bank_statement(
                "bad-type", when={"all": [{"gt": ["tenure", 1]}, {"eq": ["children", "two"]}]}
            ),
            bank_statement("unknown", when={"not": {"answered": "shoe_size"}}),
            bank_statement("bad-date", when={"within_days": ["children", 5]}),
            bank_statement(
                "bad-body",
                body="{% if %}",
                effective_from=TODAY,
                effective_to=TODAY - timedelta(1),
            ),
            bank_statement("bad-tree", when={"all": [{"matches": ["tenure", ".*"]}]}),
        ],
    }
    from services.advice.domain import check_bank

    errors = check_bank(bank, questions, TODAY)
    assert not [
        field for field in errors if field.startswith(("statement[ok]", "statement[derived]"))
    ]
    assert errors["statement[bad-derived].when"] == [
        "condition at $.eq: on 'notice_verdict': 'maybe' is not one of its options"
    ]
    assert errors["statement[bad-option].when"] == [
        "condition at $.any[0].eq: on 'tenure': 'castle' is not one of its options"
    ]
    assert errors["statement[bad-type].when"] == [
        "condition at $.all[0].gt: on 'tenure': gt needs a number question",
        "condition at $.all[1].eq: on 'children': 'two' is not a whole number",
    ]
    assert errors["statement[unknown].when"] == [
        "condition at $.not.answered: refers to unknown question 'shoe_size'"
    ]
    assert "within_days needs a date question" in errors["statement[bad-date].when"][0]
    assert any("not a valid template" in m for m in errors["statement[bad-body].body"])
    assert errors["statement[bad-body].effective_to"] == ["effective_to is before effective_from"]
    assert errors["statement[bad-tree].when"] == [
        "invalid condition at $.all[0].matches: unknown operator 'matches'"
    ]


def test_a_statement_reached_through_several_answers_is_chosen_once():
    either = statement("either", {"any": [{"eq": ["a", "x"]}, {"in": ["b", ["y", "z"]]}]})
    pair = statement("pair", {"all": [{"eq": ["a", "x"]}, {"eq": ["b", "y"]}, {"gt": ["n", 1]}]})
    bank = CompiledBank([either, pair], WORKFLOWS)
    assert bank.match("w1", {"a": "x", "b": "y", "n": 2}, TODAY, "england") == [either, pair]
    assert bank.match("w1", {"a": "x", "b": "y", "n": 1}, TODAY, "england") == [either]
    assert bank.match("w1", {"b": "z"}, TODAY, "england") == [either]
    assert bank.match("w1", {}, TODAY, "england") == []
