"""What a statement body may contain: a whitelist over its jinja2 syntax tree. No nameko, no
database.

The documents service renders bodies in a sandbox, under its own budget; but a body that loops
over ``range(100000)`` or multiplies a string by 300,000,000 would spend that budget on every
pack, or fail every pack. So a body is refused when saved, when a bank file is loaded, and when a
stored one is compiled for matching, unless it is text with:

- placeholders ``{{ answers.<question_key> }}``, optionally through the ``long_date`` filter;
- ``{% if %}`` / ``{% elif %}`` / ``{% else %}`` and inline ``x if test else y`` whose tests
  compare answers with literal values (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``in`` and
  ``not in`` a list of values), joined by ``and``, ``or``, ``not``;
- comments and ``{% raw %}``.

Nothing else: no calls, loops, arithmetic, indexing, tests (``is``), names other than
``answers``, attributes other than a question key, or any other tag (``set``, ``macro``,
``include``, ``import``, ``extends``, ``block``, ``call``, ``filter``, ``with``, ``autoescape``).
Rendering what is left is linear in the body's length. docs/advice-rules.md says the same.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

# The filters the documents service registers for bodies (services/documents/rendering.py).
BODY_FILTERS = frozenset({"long_date"})
MAX_BODY_CHARACTERS = 20_000  # as the save_statement schema allows
MAX_NESTING = 40  # tags and expressions inside each other; a chain of 40 ``and``s is 40 deep
MAX_PROBLEMS = 10  # one message per refused construct, up to this many

# Parsed as the documents service parses it: default delimiters, no extensions, no line
# statements. A change to that environment's syntax must be made here too.
_SYNTAX = SandboxedEnvironment(autoescape=False)
_COMPARISONS = frozenset({"eq", "ne", "lt", "lteq", "gt", "gteq", "in", "notin"})
_PLAIN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

_TAGS = {
    nodes.For: "{% for %}",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "{% macro %}",
    nodes.CallBlock: "{% call %}",
    nodes.FilterBlock: "{% filter %}",
    nodes.Include: "{% include %}",
    nodes.Import: "{% import %}",
    nodes.FromImport: "{% from … import %}",
    nodes.Extends: "{% extends %}",
    nodes.Block: "{% block %}",
    nodes.With: "{% with %}",
    nodes.Scope: "{% autoescape %}",
    nodes.ScopedEvalContextModifier: "{% autoescape %}",
    nodes.EvalContextModifier: "{% autoescape %}",
}
_OPERATORS = {
    nodes.Add: "+",
    nodes.Sub: "-",
    nodes.Mul: "*",
    nodes.Div: "/",
    nodes.FloorDiv: "//",
    nodes.Mod: "%",
    nodes.Pow: "**",
    nodes.Neg: "-",
    nodes.Pos: "+",
}

# Where a node stands decides what it may be.
_STATEMENT, _EXPRESSION, _VALUES = "statement", "expression", "values"
Placed = tuple[nodes.Node, str]


def body_problems(body: str, questions: Collection[str] | None = None) -> list[str]:
    """What in ``body`` is not allowed, each message naming the line; empty when it may be
    stored. With ``questions`` (the keys answers can have), a placeholder must name one."""
    if len(body) > MAX_BODY_CHARACTERS:
        return [f"a body has at most {MAX_BODY_CHARACTERS} characters"]
    if "{" not in body:
        return []  # plain text: no tag, placeholder or comment can start without a brace
    problems = list(_structure_problems(body))
    if questions is not None and not problems:
        problems = [
            f"line {line}: answers.{key} names no question of the template"
            for line, key in _placeholders(body)
            if key not in questions
        ][:MAX_PROBLEMS]
    return problems


@lru_cache(maxsize=1024)
def _structure_problems(body: str) -> tuple[str, ...]:
    """The whitelist without the questions: the same body is checked at every bank compile."""
    try:
        tree = _SYNTAX.parse(body)
    except TemplateSyntaxError as exc:
        return (f"body is not a valid template (line {exc.lineno}): {exc.message}",)
    except RecursionError:
        return ("body is nested too deeply to read",)
    except (ValueError, OverflowError):  # e.g. an integer literal of thousands of digits
        return ("body is not a valid template: a value in it cannot be read",)
    return tuple(_walk(tree))


@lru_cache(maxsize=1024)
def _placeholders(body: str) -> tuple[tuple[int, str], ...]:
    """(line, question key) of every ``answers.<key>`` in a body that passed the whitelist."""
    return tuple(
        (node.lineno, node.attr)
        for node in _SYNTAX.parse(body).find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Name)
    )


def _walk(tree: nodes.Template) -> list[str]:
    """Every refused node, outermost first; a refused node's insides are not looked at. The walk
    keeps its own stack, since a body such as ``a.b.b.b…`` parses into a very deep tree."""
    problems: list[str] = []
    pending: list[tuple[nodes.Node, str, int]] = [(n, _STATEMENT, 1) for n in reversed(tree.body)]
    while pending and len(problems) < MAX_PROBLEMS:
        node, place, depth = pending.pop()
        refusal, children = _judge(node, place)
        if depth > MAX_NESTING:
            refusal, children = f"nested more than {MAX_NESTING} deep", []
        if refusal:
            message = f"line {_line(node)}: {refusal}"
            if message not in problems:
                problems.append(message)
            continue
        pending.extend((child, where, depth + 1) for child, where in reversed(children))
    return problems


def _line(node: nodes.Node) -> int | str:
    """The line a node starts on (a ``{% autoescape %}`` wrapper has none of its own)."""
    if node.lineno is not None:
        return node.lineno
    return next((child.lineno for child in node.iter_child_nodes() if child.lineno), "?")


def _judge(node: nodes.Node, place: str) -> tuple[str | None, list[Placed]]:
    """Why ``node`` is refused where it stands (or None), and the children to look at next."""
    if isinstance(node, nodes.TemplateData):
        return None, []
    if place == _STATEMENT:
        return _judge_statement(node)
    if place == _VALUES and isinstance(node, nodes.List | nodes.Tuple):
        return None, [(item, _EXPRESSION) for item in node.items]
    return _judge_expression(node)


def _judge_statement(node: nodes.Node) -> tuple[str | None, list[Placed]]:
    if isinstance(node, nodes.Output):
        return None, [(child, _EXPRESSION) for child in node.nodes]
    if isinstance(node, nodes.If):
        # elif branches are If nodes of their own, judged as statements.
        blocks = [*node.body, *node.elif_, *node.else_]
        return None, [(node.test, _EXPRESSION), *((child, _STATEMENT) for child in blocks)]
    return f"{_name_of(node)} is not allowed", []


def _judge_expression(node: nodes.Node) -> tuple[str | None, list[Placed]]:
    if isinstance(node, nodes.Const) or _signed_number(node):
        return None, []
    if isinstance(node, nodes.Getattr):
        return _judge_placeholder(node), []
    if isinstance(node, nodes.Name):
        if node.name == "answers":
            return "answers on its own is not allowed: name a question, answers.<key>", []
        return f"the name {node.name!r} is not allowed: only answers.<question_key>", []
    if isinstance(node, nodes.Compare):
        children: list[Placed] = [(node.expr, _EXPRESSION)]
        for operand in node.ops:
            if operand.op not in _COMPARISONS:
                return f"the comparison {operand.op!r} is not allowed", []
            place = _VALUES if operand.op in ("in", "notin") else _EXPRESSION
            children.append((operand.expr, place))
        return None, children
    if isinstance(node, nodes.And | nodes.Or):
        return None, [(node.left, _EXPRESSION), (node.right, _EXPRESSION)]
    if isinstance(node, nodes.Not):
        return None, [(node.node, _EXPRESSION)]
    if isinstance(node, nodes.CondExpr):
        branches = [node.test, node.expr1] + ([node.expr2] if node.expr2 is not None else [])
        return None, [(branch, _EXPRESSION) for branch in branches]
    if isinstance(node, nodes.Filter):
        if node.name not in BODY_FILTERS:
            return f"the filter {node.name!r} is not allowed: only {_filters()}", []
        if node.args or node.kwargs or node.dyn_args or node.dyn_kwargs or node.node is None:
            return f"the filter {node.name!r} takes no arguments", []
        return None, [(node.node, _EXPRESSION)]
    return f"{_name_of(node)} is not allowed", []


def _signed_number(node: nodes.Node) -> bool:
    """``-1`` parses as a minus applied to 1: a literal still, not arithmetic."""
    return (
        isinstance(node, nodes.Neg | nodes.Pos)
        and isinstance(node.node, nodes.Const)
        and isinstance(node.node.value, int | float)
        and not isinstance(node.node.value, bool)
    )


def _judge_placeholder(node: nodes.Getattr) -> str | None:
    """``answers.<key>`` and nothing deeper; the key is checked against the questions later."""
    if not (isinstance(node.node, nodes.Name) and node.node.name == "answers"):
        return f"the attribute .{node.attr} is not allowed: only answers.<question_key>"
    if not _PLAIN_NAME.match(node.attr):
        return f"answers.{node.attr} is not a question key"
    return None


def _name_of(node: nodes.Node) -> str:
    """How an editor would call the construct."""
    for kind, name in _TAGS.items():
        if isinstance(node, kind):
            return name
    for kind, symbol in _OPERATORS.items():
        if isinstance(node, kind):
            return f"arithmetic ({symbol!r})"
    if isinstance(node, nodes.Call):
        return f"calling {_callee(node.node)}" if _callee(node.node) else "a call"
    if isinstance(node, nodes.Concat):
        return "joining with '~'"
    if isinstance(node, nodes.Test):
        return f"the test 'is {node.name}'"
    if isinstance(node, nodes.Getitem | nodes.Slice):
        return "indexing with [ ] (write answers.<question_key>)"
    if isinstance(node, nodes.List | nodes.Tuple | nodes.Dict):
        return "a list or dict other than the values after 'in'"
    return type(node).__name__


def _callee(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return f"{node.name}()"
    if isinstance(node, nodes.Getattr):
        return f".{node.attr}()"
    return ""


def _filters() -> str:
    return ", ".join(sorted(BODY_FILTERS))
