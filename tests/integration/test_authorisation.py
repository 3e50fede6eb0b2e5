"""Every RPC of every service refuses a caller it should refuse, against the real broker: no
token, an expired one, one signed by another key, and each role its rule does not name; each
role it names gets past the door. The RPC list is read from docs/rpc.md, so a new RPC without a
rule (or without documentation) fails here. Then what rules cannot say alone: whose case,
whose enquiry, whose document, and who the actor is."""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path
from typing import Any

import pytest
from nameko.rpc import Rpc

from scripts.demo import TEMPLATE_KEY, sample_answers
from services.advice.service import AdviceService
from services.cases.service import CasesService
from services.documents.service import DocumentsService
from services.enquiry.service import EnquiryService
from services.tasks.service import TasksService
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.identity import ROLES, SYSTEM, TokenIssuer, new_key_pair
from tests.identity import ISSUER, SignedRpc, customer_token, token
from tests.recorder import make_recorder, of_type, wait_for

pytestmark = pytest.mark.integration

SERVICES = {
    "enquiry": EnquiryService,
    "advice": AdviceService,
    "cases": CasesService,
    "tasks": TasksService,
    "documents": DocumentsService,
}
ROOT = Path(__file__).resolve().parents[2]
CALLER_ROLES = [role for role in ROLES if role != SYSTEM]


def documented_rpcs() -> dict[str, set[str]]:
    """The RPCs docs/rpc.md documents, per service: its headings (``### get_case(...)``) and
    the rows of its RPC tables (a table whose first column is ``RPC``), under each
    ``## <service>``."""
    found: dict[str, set[str]] = {}
    service, in_rpc_table = None, False
    for line in (ROOT / "docs" / "rpc.md").read_text().splitlines():
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            service = heading.group(1) if heading.group(1) in SERVICES else None
            continue
        in_rpc_table = line.startswith("| RPC |") or (in_rpc_table and line.startswith("|"))
        if service is None:
            continue
        name = re.match(r"^### (\w+)\(", line) or (
            in_rpc_table and re.match(r"^\| `(\w+)(?:\(|`)", line)
        )
        if name:
            found.setdefault(service, set()).add(name.group(1))
    return found


def entrypoints(service_cls: type) -> dict[str, Any]:
    """The service's RPC methods, as nameko sees them."""
    return {
        name: method
        for name, method in inspect.getmembers(service_cls)
        if any(isinstance(e, Rpc) for e in getattr(method, "nameko_entrypoints", ()))
    }


def test_every_documented_rpc_has_a_rule_and_every_rpc_is_documented():
    documented = documented_rpcs()
    for name, service_cls in SERVICES.items():
        rpcs = set(entrypoints(service_cls)) - {"health"}
        rules = set(service_cls.caller.policy.rules) - {"health"}
        assert rpcs == documented.get(name, set()), f"{name}: docs/rpc.md and the code differ"
        assert rpcs == rules, f"{name}: an RPC without a rule, or a rule without an RPC"


@pytest.fixture
def suite(container_factory, service_config):
    configs = {name: service_config(name) for name in SERVICES}
    for name, service_cls in SERVICES.items():
        container_factory(service_cls, configs[name]).start()
    recorder_cls, received = make_recorder()
    container_factory(recorder_cls, configs["cases"]).start()
    return configs, received


def placeholder_arguments(method: Any) -> tuple[list[Any], dict[str, Any]]:
    """Arguments of the right shape that name nothing that exists: an allowed caller gets past
    the door and then a NotFound or a ValidationFailed, never a Forbidden."""
    args = []
    for name, parameter in list(inspect.signature(method).parameters.items())[1:]:
        if parameter.default is not inspect.Parameter.empty or name == "actor":
            continue
        annotation = str(parameter.annotation)
        args.append({} if "dict" in annotation else "no-such-thing")
    return args, {}


def bad_tokens() -> dict[str, str | None]:
    other_private, _ = new_key_pair()
    return {
        "no token": None,
        "an expired token": ISSUER.mint("officer:x", ["admin"], now=time.time() - 7200),
        "a token signed by another key": TokenIssuer(other_private).mint("officer:x", ["admin"]),
        "a malformed token": "not.even.ajwt",
        # A service's own identity is never presented by a caller, however it is signed.
        "a token claiming the system role": ISSUER.mint("system:cases", ["system"]),
    }


def test_each_rpc_admits_the_roles_its_rule_names_and_refuses_the_rest(suite):
    configs, received = suite
    config = configs["cases"]
    refusals = 0
    for service, service_cls in SERVICES.items():
        policy = service_cls.caller.policy
        for action, method in entrypoints(service_cls).items():
            rule = policy.rules[action]
            args, kwargs = placeholder_arguments(method)
            for bad in bad_tokens().values():
                if rule.anonymous and bad is None:
                    continue
                with SignedRpc(config, token=bad or "") as rpc:
                    with pytest.raises(Forbidden, match=action):
                        getattr(getattr(rpc, service), action)(*args, **kwargs)
                    refusals += 1
            for role in CALLER_ROLES:
                with SignedRpc(config, token=token([role], f"{role}:1")) as rpc:
                    call = getattr(getattr(rpc, service), action)
                    if role in rule.roles:
                        # Past the door: the placeholder names nothing real (or nothing of
                        # the caller's, which the use case refuses on its own grounds).
                        try:
                            call(*args, **kwargs)
                        except (NotFound, ValidationFailed, Conflict):
                            pass
                        except Forbidden as refused:
                            assert "not allowed for" not in str(refused), (service, action, role)
                    else:
                        with pytest.raises(Forbidden, match=f"{action}: not allowed for {role}"):
                            call(*args, **kwargs)
                        refusals += 1
    # Every refusal is on the audit trail, with the action and the reason.
    audited = wait_for(
        lambda: (
            [
                e
                for e in of_type(received, "audit.recorded")
                if e["data"]["action"] == "access.refused"
            ]
            if len(of_type(received, "audit.recorded")) >= refusals
            else None
        ),
        timeout=30,
    )
    assert len(audited) >= refusals
    assert {e["data"]["after"]["reason"] for e in audited} >= {
        "no identity token",
        "the identity token has expired",
        "the identity token is not signed by a trusted key",
    }


def _open_case(rpc: Any, received: list, actor: str) -> dict[str, Any]:
    enquiry = rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "answers": sample_answers(), "actor": actor}
    )
    opened = wait_for(
        lambda: [
            e for e in of_type(received, "case.opened") if e["data"]["enquiry_id"] == enquiry["id"]
        ]
    )
    return {"enquiry": enquiry, "case": opened[0]["data"]}


def test_whose_case_whose_enquiry_and_who_the_actor_is(suite):
    configs, received = suite
    config = configs["cases"]
    customer = customer_token(subject="customer:ann")
    with SignedRpc(config, token=customer) as as_ann:
        draft = as_ann.enquiry.start_enquiry({"template_key": TEMPLATE_KEY})
        assert draft["status"] == "draft"
    with SignedRpc(config, token=customer_token(subject="customer:bob")) as as_bob:
        # Ids are not capabilities: Bob cannot read, continue or copy Ann's draft.
        with pytest.raises(Forbidden, match="not the caller's"):
            as_bob.enquiry.get_enquiry(draft["id"])
        with pytest.raises(Forbidden):
            as_bob.enquiry.save_answers({"enquiry_id": draft["id"], "answers": {}})
        with pytest.raises(Forbidden):
            as_bob.enquiry.start_enquiry(
                {"template_key": TEMPLATE_KEY, "prefill_from_enquiry": draft["id"]}
            )

    with SignedRpc(config) as officer:
        opened = _open_case(officer, received, "officer:1")
        reference = opened["case"]["reference"]
        officer.cases.add_note({"case": reference, "text": "Disclosed a health condition."})
        # The actor is the token's: a request naming someone else is refused.
        with (
            pytest.raises(Forbidden, match="actor"),
            SignedRpc(config, token=token(actor="officer:1")) as as_one,
        ):
            as_one.cases.add_note({"case": reference, "text": "x", "actor": "officer:2"})

    # A customer sees their own case without the officers' notes, and no one else's.
    own = customer_token(cases=[opened["case"]["case_id"]], subject="customer:carol")
    with SignedRpc(config, token=own) as as_carol:
        view = as_carol.cases.get_case(reference)
        assert view["reference"] == reference
        assert "notes" not in view and "owner" not in view and "team" not in view
    with SignedRpc(config, token=customer_token(subject="customer:dan")) as as_dan:
        with pytest.raises(Forbidden, match="not the caller's"):
            as_dan.cases.get_case(reference)
        with pytest.raises(Forbidden):
            as_dan.documents.list_documents(opened["case"]["case_id"])

    # An officer of another team neither sees the case nor finds it.
    with SignedRpc(config, roles=["caseworker", "team_leader"], team="another-team") as elsewhere:
        with pytest.raises(Forbidden, match="another team"):
            elsewhere.cases.get_case(reference)
        assert elsewhere.cases.list_cases({})["total"] == 0
        with pytest.raises(Forbidden):
            elsewhere.cases.change_stage({"case": reference, "stage": "prevention"})
        # Nor its tasks or documents, once those services know the case's team.
        case_id = opened["case"]["case_id"]
        with SignedRpc(config, roles=["caseworker"]) as own_team:
            wait_for(lambda: own_team.tasks.list_tasks(case_id))
            wait_for(lambda: own_team.documents.list_documents(case_id))
        with pytest.raises(Forbidden, match="another team"):
            elsewhere.tasks.list_tasks(case_id)
        with pytest.raises(Forbidden, match="another team"):
            elsewhere.documents.list_documents(case_id)
        assert elsewhere.tasks.find_tasks({})["total"] == 0

    # The reads and the refusals that concern the case are on its own trail, with the person.
    with SignedRpc(config, roles=["auditor"]) as auditor:
        timeline = wait_for(
            lambda: (
                [
                    e
                    for e in auditor.cases.get_timeline(reference)
                    if e["action"] == "access.refused" or e["action"] == "case.viewed"
                ]
                or None
            )
        )
    assert any(e["action"] == "case.viewed" and e["actor"] == "customer" for e in timeline)
    refused = [e for e in timeline if e["action"] == "access.refused"]
    assert {e["actor"] for e in refused} >= {"customer", "officer:test"}
    assert {e["after"]["reason"] for e in refused} >= {
        "this case is not the caller's",
        "this case belongs to another team",
    }
