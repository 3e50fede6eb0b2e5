"""What a statement body may contain (services/advice/bodies.py): each construct allowed or
refused, with the line named; every shipped body passes; what passes renders as the documents
service renders it."""

from datetime import date

import pytest
import yaml

from services.advice import seed
from services.advice.bodies import MAX_BODY_CHARACTERS, MAX_NESTING, body_problems
from services.advice.domain import check_statement
from services.documents.rendering import render_statement_body
from shared.law import DERIVED_FACTS

BANK = yaml.safe_load((seed.SEED_DIR / "statement_bank.yaml").read_text())
# What the shipped bodies may name: the starter form's questions and the derived facts.
STARTER_KEYS = {
    *seed.questions_of(yaml.safe_load(seed.STARTER_TEMPLATE.read_text())),
    *DERIVED_FACTS,
}
QUESTIONS = {"household_children", "notice_expiry_date", "tenure", "needs"}
ANSWERS = {
    "household_children": 2,
    "notice_expiry_date": "2026-12-01",
    "tenure": "private_rented",
    "needs": ["mental_health"],
}

ALLOWED = [
    "Plain text, with {braces} and } alone.",
    "{{ answers.household_children }} children",
    "by {{ answers.notice_expiry_date | long_date }}",
    "child{% if answers.household_children != 1 %}ren{% endif %}",
    "{% if answers.tenure == 'owner' %}a{% elif answers.tenure in ['x', 'private_rented'] %}b"
    "{% else %}c{% endif %}",
    "{% if answers.household_children > 0 and not answers.tenure %}x{% endif %}",
    "{% if answers.household_children >= 1 or answers.household_children <= -1 %}x{% endif %}",
    "{% if 'mental_health' in answers.needs %}x{% endif %}",
    "{% if answers.tenure not in ('a', 'b') %}x{% endif %}",
    "{{ 'your children' if answers.household_children else 'you' }}",
    "{{ 'literal' }} {{ 3 }} {{ none }} {{ true }}",
    "{# a comment #}{% raw %}{{ shown as written }}{% endraw %}",
    "{%- if answers.tenure -%}\n  trimmed\n{%- endif %}",
]


@pytest.mark.parametrize("body", ALLOWED)
def test_allowed_constructs_pass_and_render(body):
    assert body_problems(body, QUESTIONS) == []
    render_statement_body(body, ANSWERS)  # the documents service understands all of it


REFUSED = [
    # The reproductions of issue 17: a render that runs for ever, a string of 300 MB.
    (
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "line 1: {% for %} is not allowed",
    ),
    ("{{ 'A' * 300000000 }}", "line 1: arithmetic ('*') is not allowed"),
    ("{% for need in answers.needs %}{{ need }}{% endfor %}", "line 1: {% for %} is not allowed"),
    ("{{ range(10) }}", "line 1: calling range() is not allowed"),
    ("{{ lipsum(100000) }}", "line 1: calling lipsum() is not allowed"),
    ("{{ answers.get('tenure') }}", "line 1: calling .get() is not allowed"),
    ("{{ answers.tenure + 'x' }}", "line 1: arithmetic ('+') is not allowed"),
    ("{{ 9 ** 9 ** 9 }}", "line 1: arithmetic ('**') is not allowed"),
    ("{{ '%s' % answers.tenure }}", "line 1: arithmetic ('%') is not allowed"),
    ("{{ -answers.household_children }}", "line 1: arithmetic ('-') is not allowed"),
    ("{{ answers.tenure ~ 'x' }}", "line 1: joining with '~' is not allowed"),
    ("{{ answers['tenure'] }}", "line 1: indexing with [ ] (write answers.<question_key>) is not"),
    (
        "{{ answers.tenure[0:1] }}",
        "line 1: indexing with [ ] (write answers.<question_key>) is not",
    ),
    ("{{ answers.tenure.upper }}", "line 1: the attribute .upper is not allowed"),
    ("{{ answers.__class__ }}", "line 1: answers.__class__ is not a question key"),
    ("{{ answers }}", "line 1: answers on its own is not allowed"),
    ("{{ cycler }}", "line 1: the name 'cycler' is not allowed"),
    ("{{ answers.tenure | upper }}", "line 1: the filter 'upper' is not allowed: only long_date"),
    ("{{ answers.tenure | long_date(1) }}", "line 1: the filter 'long_date' takes no arguments"),
    ("{{ answers.tenure is defined }}", "line 1: the test 'is defined' is not allowed"),
    ("{{ [1, 2] }}", "line 1: a list or dict other than the values after 'in' is not allowed"),
    ("{{ {'a': 1} }}", "line 1: a list or dict other than the values after 'in' is not allowed"),
    ("{% set x = 1 %}", "line 1: {% set %} is not allowed"),
    ("{% set x %}y{% endset %}", "line 1: {% set %} is not allowed"),
    ("{% macro m() %}x{% endmacro %}", "line 1: {% macro %} is not allowed"),
    ("{% call range(3) %}x{% endcall %}", "line 1: {% call %} is not allowed"),
    ("{% filter upper %}x{% endfilter %}", "line 1: {% filter %} is not allowed"),
    ("{% include 'pack.html' %}", "line 1: {% include %} is not allowed"),
    ("{% import 'pack.html' as p %}", "line 1: {% import %} is not allowed"),
    ("{% from 'pack.html' import x %}", "line 1: {% from … import %} is not allowed"),
    ("{% extends 'pack.html' %}", "line 1: {% extends %} is not allowed"),
    ("{% block b %}x{% endblock %}", "line 1: {% block %} is not allowed"),
    ("{% with x = 1 %}x{% endwith %}", "line 1: {% with %} is not allowed"),
    ("{% autoescape false %}x{% endautoescape %}", "line 1: {% autoescape %} is not allowed"),
    ("{% if answers.tenure %}", "body is not a valid template (line 1)"),
    ("{{ " + "9" * 5000 + " }}", "body is not a valid template: a value in it cannot be read"),
    ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "body is nested too deeply to read"),
    ("{{ answers" + ".x" * 5000 + " }}", "line 1: the attribute .x is not allowed"),
    (
        "{% if answers.tenure %}" * (MAX_NESTING + 1) + "{% endif %}" * (MAX_NESTING + 1),
        f"line 1: nested more than {MAX_NESTING} deep",
    ),
]


@pytest.mark.parametrize(("body", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_refused_constructs_are_named_with_their_line(body, message):
    problems = body_problems(body, QUESTIONS)
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_every_problem_is_named_with_its_own_line_up_to_a_limit():
    body = "Fine.\n\n{{ answers.tenure | upper }}\n{% set x = 1 %}\n" + "{{ 1 * 2 }}\n" * 30
    problems = body_problems(body, QUESTIONS)
    assert problems[:3] == [
        "line 3: the filter 'upper' is not allowed: only long_date",
        "line 4: {% set %} is not allowed",
        "line 5: arithmetic ('*') is not allowed",
    ]
    assert len(problems) == 10


def test_a_placeholder_names_a_question_of_the_template_or_a_derived_fact():
    assert body_problems("{{ answers.shoe_size }}\n{{ answers.tenure }}", QUESTIONS) == [
        "line 1: answers.shoe_size names no question of the template"
    ]
    # Without the questions (a stored statement being compiled) only the shape is checked.
    assert body_problems("{{ answers.shoe_size }}") == []


def test_a_body_longer_than_the_schema_allows_is_refused_before_it_is_parsed():
    assert body_problems("x" * (MAX_BODY_CHARACTERS + 1)) == [
        f"a body has at most {MAX_BODY_CHARACTERS} characters"
    ]


def test_saving_names_the_body_field_and_the_line():
    statement = {
        "key": "k",
        "title": "t",
        "body": "Hello.\n{% for i in range(100000) %}x{% endfor %}",
        "section": "s",
        "workflows": ["w"],
        "nations": ["england"],
        "source": "Housing Act 1996",
        "reviewed_on": None,
    }
    problems = check_statement(statement, {"s"}, {"w"}, {"tenure": {}}, date(2026, 11, 25))
    assert problems["body"] == ["line 2: {% for %} is not allowed"]


@pytest.mark.parametrize("statement", BANK["statements"], ids=lambda s: s["key"])
def test_every_shipped_body_passes_the_whitelist(statement):
    assert body_problems(statement["body"].strip(), STARTER_KEYS) == []


def test_the_whitelist_reads_bodies_as_the_documents_service_does():
    """A body the whitelist passes must mean the same to the renderer: same syntax, and every
    allowed filter registered there. (Private names: this test is the link between the two.)"""
    from services.advice import bodies
    from services.documents import rendering

    syntax = (
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "line_statement_prefix",
        "line_comment_prefix",
    )
    renderer, checker = rendering._snippets, bodies._SYNTAX
    assert {name: getattr(renderer, name) for name in syntax} == {
        name: getattr(checker, name) for name in syntax
    }
    assert set(renderer.extensions) == set(checker.extensions)
    assert set(renderer.filters) >= bodies.BODY_FILTERS
