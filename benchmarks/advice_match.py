"""How fast is advice matching? This engine (conditions compiled to closures once per bank
version, statements indexed by their most selective equality) side by side with the
`rule-engine` package evaluating the same rules, in one run, on one machine.

    python benchmarks/advice_match.py [--statements 5000] [--answer-sets 300] [--seed 7]
                                      [--template services/enquiry/seed/starter_template_v2.yaml]

Generates a bank of random but valid statements over the starter question template, spread over
six workflows and the three nations (most for England, as a council's bank would be), and random
valid answer sets, each for a nation; checks that both engines choose exactly the same statements
in the same order for every answer set they both ran; prints the time per match of each and the
ratio. Targets (issue #4): <= 0.2 ms per match, >= 100x faster than rule-engine.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import rule_engine
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.advice.domain import CompiledBank, StatementVersion, WorkflowDefinition  # noqa: E402
from shared.law import NATIONS  # noqa: E402
from shared.rules import evaluate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STARTER_TEMPLATE = ROOT / "services/enquiry/seed/starter_template_v2.yaml"
QUESTIONS: list[dict] = []  # the template's questions, read in main()
WORKFLOWS = [
    "prevention",
    "relief",
    "domestic_abuse",
    "private_rented_eviction",
    "mortgage_arrears",
    "advice_only",
]
SECTIONS = ("act_now", "your_rights", "your_home", "money", "support", "next_steps")
TODAY = date(2026, 11, 24)
# Most of a bank states one nation's law; a few statements hold everywhere.
STATEMENT_NATIONS = [("england",)] * 7 + [("wales",), ("scotland",), NATIONS]
ENQUIRY_NATIONS = ["england"] * 8 + ["wales", "scotland"]


def options(question: dict) -> list:
    return [o["value"] for o in question.get("options", [])]


def random_leaf(rng: random.Random) -> dict:
    question = rng.choice(QUESTIONS)
    key, kind = question["key"], question["type"]
    if kind == "boolean":
        return {rng.choice(["eq", "ne"]): [key, rng.random() < 0.5]}
    if kind == "single_choice":
        if rng.random() < 0.3:
            return {"in": [key, rng.sample(options(question), 2)]}
        return {"eq": [key, rng.choice(options(question))]}
    if kind == "multiple_choice":
        return {"contains": [key, rng.choice(options(question))]}
    if kind in ("integer", "decimal"):
        return {rng.choice(["gt", "gte", "lt", "lte"]): [key, rng.randint(0, 5)]}
    if kind == "date":
        return (
            {"within_days": [key, rng.choice([14, 28, 56])]}
            if rng.random() < 0.7
            else {"before_today": key}
        )
    return {"answered": key}


CHOICES: list[dict] = []  # the single choice and yes/no questions, read in main()


def narrowing(rng: random.Random) -> dict:
    """The subgroup a statement is for: one answer to a choice or yes/no question."""
    question = rng.choice(CHOICES)
    value = rng.random() < 0.5 if question["type"] == "boolean" else rng.choice(options(question))
    return {"eq": [question["key"], value]}


def subgroup(rng: random.Random) -> list[dict]:
    """Who a statement is for, as two answers: e.g. private tenants with a section 21 notice."""
    first, second = rng.sample(CHOICES, 2)
    return [narrowing_on(rng, first), narrowing_on(rng, second)]


def narrowing_on(rng: random.Random, question: dict) -> dict:
    value = rng.random() < 0.5 if question["type"] == "boolean" else rng.choice(options(question))
    return {"eq": [question["key"], value]}


def random_condition(rng: random.Random) -> Any:
    """Shaped like a real bank: a few statements for everyone on the workflow; most for a
    subgroup (two answers, such as a tenure and a notice type) refined by further facts (a
    date window, a support need, a number); some for either of two subgroups; a few for one
    answer and one fact."""
    roll = rng.random()
    if roll < 0.01:
        return True
    if roll < 0.85:
        refinements = [random_leaf(rng) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.2:
            refinements.append({"not": random_leaf(rng)})
        return {"all": [*subgroup(rng), *refinements]}
    if roll < 0.95:
        return {"any": [{"all": subgroup(rng)}, {"all": subgroup(rng)}]}
    return {"all": [narrowing(rng), random_leaf(rng)]}


def random_bank(rng: random.Random, size: int) -> list[StatementVersion]:
    return [
        StatementVersion(
            key=f"s{index:05d}",
            version=1,
            title=f"Statement {index}",
            body="…",
            section=rng.choice(SECTIONS),
            priority=rng.randint(0, 100),
            workflows=tuple(rng.sample(WORKFLOWS, rng.randint(1, 2))),
            condition=random_condition(rng),
            nations=rng.choice(STATEMENT_NATIONS),
            # A few retired, and a few not in force yet: statements have effective dates.
            effective_from=TODAY + timedelta(days=30) if rng.random() < 0.03 else None,
            effective_to=TODAY - timedelta(days=1) if rng.random() < 0.03 else None,
        )
        for index in range(size)
    ]


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        if not question.get("required") and rng.random() < 0.25:
            continue
        kind = question["type"]
        if kind == "boolean":
            answers[question["key"]] = rng.random() < 0.5
        elif kind == "single_choice":
            answers[question["key"]] = rng.choice(options(question))
        elif kind == "multiple_choice":
            answers[question["key"]] = rng.sample(options(question), rng.randint(1, 3))
        elif kind == "integer":
            answers[question["key"]] = rng.randint(question.get("min", 0), 6)
        elif kind == "decimal":
            answers[question["key"]] = round(rng.uniform(0, 3000), 2)
        elif kind == "date":
            answers[question["key"]] = (TODAY + timedelta(days=rng.randint(-60, 90))).isoformat()
        else:
            answers[question["key"]] = "text"
    return answers


# --- the same rules for rule-engine ---------------------------------------------------------------


def literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return json.dumps(value)


def to_rule_text(condition: Any) -> str:
    """Our missing-answer meaning (every comparison on a missing answer is false) spelt out."""
    if condition is True:
        return "true"
    if condition is False:
        return "false"
    ((operator, operand),) = condition.items()
    if operator in ("all", "any"):
        if not operand:
            return "true" if operator == "all" else "false"
        joiner = " and " if operator == "all" else " or "
        return "(" + joiner.join(to_rule_text(c) for c in operand) + ")"
    if operator == "not":
        return f"(not {to_rule_text(operand)})"
    if operator == "answered":
        return f"({operand} != null)"
    if operator == "before_today":
        return f"({operand} != null and {operand} < today)"
    key, expected = operand
    guard = f"{key} != null"
    symbols = {"eq": "==", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if operator in symbols:
        return f"({guard} and {key} {symbols[operator]} {literal(expected)})"
    if operator == "in":
        return f"({guard} and {key} in {literal(expected)})"
    if operator == "contains":
        return f"({guard} and {literal(expected)} in {key})"
    if operator == "within_days":
        return f'({guard} and {key} >= today and {key} <= today + t"P{expected}D")'
    raise ValueError(operator)


class RuleEngineMatcher:
    """What a team would write with rule-engine: compile every rule once, evaluate each one
    eligible for the workflow, then order."""

    def __init__(self, statements: list[StatementVersion], workflows: list[WorkflowDefinition]):
        context = rule_engine.Context(default_value=None)
        self.rank = {w.key: {s: i for i, s in enumerate(w.sections)} for w in workflows}
        self.rules = [
            (s, rule_engine.Rule(to_rule_text(s.condition), context=context)) for s in statements
        ]

    def match(
        self, workflow: str, answers: dict[str, Any], on: date, nation: str
    ) -> list[StatementVersion]:
        facts = {
            k: date.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" else v
            for k, v in answers.items()
        }
        facts["today"] = on
        rank = self.rank[workflow]
        chosen = [
            s
            for s, rule in self.rules
            if nation in s.nations
            and workflow in s.workflows
            and s.section in rank
            and s.in_effect(on)
            and rule.matches(facts)
        ]
        return sorted(chosen, key=lambda s: (rank[s.section], s.priority, s.key))


def plain_scan(statements, workflows, workflow, answers, nation):
    """The reference: every statement, interpreted, no compilation, no index."""
    rank = {s: i for i, s in enumerate(next(w for w in workflows if w.key == workflow).sections)}
    chosen = [
        s
        for s in statements
        if nation in s.nations
        and workflow in s.workflows
        and s.section in rank
        and s.in_effect(TODAY)
        and evaluate(s.condition, answers, TODAY)
    ]
    return sorted(chosen, key=lambda s: (rank[s.section], s.priority, s.key))


def per_match(matcher: Any, cases: list[tuple[str, dict, str]], repeat: int) -> tuple[float, list]:
    """Best of ``repeat`` runs over all cases: seconds per match, and the results."""
    timings, results = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        results = [
            matcher.match(workflow, answers, TODAY, nation) for workflow, answers, nation in cases
        ]
        timings.append((time.perf_counter() - start) / len(cases))
    return min(timings), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=5000)
    parser.add_argument("--answer-sets", type=int, default=300)
    parser.add_argument("--rule-engine-sets", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--template", type=Path, default=STARTER_TEMPLATE)
    args = parser.parse_args()
    template = yaml.safe_load(args.template.read_text())
    QUESTIONS[:] = [q for section in template["sections"] for q in section["questions"]]
    CHOICES[:] = [q for q in QUESTIONS if q["type"] in ("single_choice", "boolean")]

    rng = random.Random(args.seed)
    statements = random_bank(rng, args.statements)
    workflows = [WorkflowDefinition(w, w, SECTIONS) for w in WORKFLOWS]
    cases = [
        (rng.choice(WORKFLOWS), random_answers(rng), rng.choice(ENQUIRY_NATIONS))
        for _ in range(args.answer_sets)
    ]

    start = time.perf_counter()
    ours = CompiledBank(statements, workflows)
    compile_ours = time.perf_counter() - start
    start = time.perf_counter()
    theirs = RuleEngineMatcher(statements, workflows)
    compile_theirs = time.perf_counter() - start

    ours_time, ours_results = per_match(ours, cases, repeat=5)
    subset = cases[: args.rule_engine_sets]
    ours_subset_time, ours_subset = per_match(ours, subset, repeat=5)
    theirs_time, theirs_results = per_match(theirs, subset, repeat=2)

    identical = ours_subset == theirs_results
    interpreted = [plain_scan(statements, workflows, w, a, n) for w, a, n in cases]
    chosen = statistics.mean(len(r) for r in ours_results)
    print(
        f"bank: {args.statements} statements, {len(WORKFLOWS)} workflows, 3 nations; "
        f"template {args.template.name}; {args.answer_sets} answer sets; "
        f"on average {chosen:.1f} statements chosen per match"
    )
    print(
        f"compile once:  this engine {compile_ours * 1000:8.1f} ms   "
        f"rule-engine {compile_theirs * 1000:8.1f} ms"
    )
    print(f"per match:     this engine {ours_time * 1000:8.4f} ms   (all {len(cases)} sets)")
    print(
        f"               this engine {ours_subset_time * 1000:8.4f} ms   "
        f"rule-engine {theirs_time * 1000:8.3f} ms   (same {len(subset)} sets)"
    )
    ratio = theirs_time / ours_subset_time
    print(f"ratio: this engine is {ratio:,.0f}x faster than rule-engine")
    print(f"identical results on all {len(subset)} shared answer sets: {identical}")
    agrees = interpreted == ours_results
    print(f"identical to the plain interpreter on all {len(cases)} answer sets: {agrees}")
    identical = identical and agrees
    print(
        f"targets: <= 0.2 ms per match: {'met' if ours_time <= 0.0002 else 'NOT met'}; "
        f">= 100x: {'met' if ratio >= 100 else 'NOT met'}"
    )
    if not identical:
        sys.exit("the two engines disagree")


if __name__ == "__main__":
    main()
