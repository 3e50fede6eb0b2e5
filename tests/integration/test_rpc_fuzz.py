"""Bad input anywhere: every public RPC of every service, called with random JSON (wrong types,
huge strings, deep nesting, unknown keys, unicode), answers with a typed error
(ValidationFailed, NotFound, Conflict) or a result: never another error, never a crashed worker.
Prints how many calls were tried."""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.advice.service import AdviceService
from services.cases.service import CasesService
from services.documents.service import DocumentsService
from services.enquiry.service import EnquiryService
from services.tasks.service import TasksService
from shared.errors import EXPECTED_ERRORS
from tests.identity import SignedRpc

pytestmark = pytest.mark.integration

SERVICES = [EnquiryService, AdviceService, CasesService, TasksService, DocumentsService]
# (service, method, number of positional arguments)
RPCS = [
    ("enquiry", "get_template", 2),
    ("enquiry", "publish_template", 1),
    ("enquiry", "start_enquiry", 1),
    ("enquiry", "save_answers", 1),
    ("enquiry", "submit_enquiry", 1),
    ("enquiry", "change_workflow", 1),
    ("enquiry", "get_enquiry", 1),
    ("advice", "match", 1),
    ("advice", "explain_statement", 1),
    ("advice", "save_statement", 1),
    ("advice", "preview_statement", 1),
    ("advice", "get_statement", 1),
    ("advice", "list_statements", 1),
    ("cases", "get_case", 2),
    ("cases", "get_case_for_enquiry", 1),
    ("cases", "change_stage", 1),
    ("cases", "close_case", 1),
    ("cases", "reopen_case", 1),
    ("cases", "assign_case", 1),
    ("cases", "add_note", 1),
    ("cases", "list_cases", 1),
    ("cases", "get_timeline", 1),
    ("cases", "verify_timeline", 1),
    ("tasks", "list_tasks", 1),
    ("tasks", "find_tasks", 1),
    ("tasks", "start_task", 1),
    ("tasks", "complete_task", 1),
    ("tasks", "hold_task", 1),
    ("tasks", "release_task", 1),
    ("tasks", "reassign_task", 1),
    ("tasks", "cancel_task", 1),
    ("tasks", "add_task", 1),
    ("tasks", "add_closure_day", 1),
    ("tasks", "list_frameworks", 1),
    ("tasks", "load_frameworks", 1),
    ("documents", "get_document", 2),
    ("documents", "list_documents", 1),
    ("documents", "regenerate", 1),
]
KEYS = [
    "template_key",
    "answers",
    "enquiry_id",
    "workflow",
    "reason",
    "actor",
    "case",
    "stage",
    "owner",
    "task_id",
    "outcome",
    "statement",
    "definition",
    "document",
    "case_id",
    "kind",
    "day",
    "page",
    "page_size",
    "text",
    "name",
    "due_in",
    "on_date",
    "statement_key",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | st.text(min_size=5000, max_size=20000)
    | st.sampled_from(["", "HO-2026-000001", "x"])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


def deep(depth):
    value = "bottom"
    for _ in range(depth):
        value = {"answers": value} if depth % 2 else [value]
    return value


arguments = json_values | st.integers(50, 400).map(deep)


def fuzz(call, arity: int) -> int:
    """Call one RPC with random arguments; returns how many calls were made."""
    made = 0

    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.lists(arguments, min_size=arity, max_size=arity))
    def one(args):
        nonlocal made
        made += 1
        with contextlib.suppress(*EXPECTED_ERRORS):
            call(*args)

    one()
    return made


def test_every_rpc_answers_bad_input_with_typed_errors(container_factory, service_config):
    config = None
    for cls in SERVICES:
        this = service_config(cls.name)
        config = config or this
        container_factory(cls, {**this, "AMQP_URI": config["AMQP_URI"]}).start()
    tried = 0
    with SignedRpc(config, timeout=30) as rpc:
        for service, method, arity in RPCS:
            tried += fuzz(getattr(getattr(rpc, service), method), arity)
        # Every service still answers after all of that.
        for cls in SERVICES:
            assert getattr(rpc, cls.name).health()["status"] == "ok"
    print(
        f"\nRPC fuzzing: {tried} calls over {len(RPCS)} RPCs, all answered with a result or "
        f"a typed error"
    )
    assert tried >= 10 * len(RPCS)
