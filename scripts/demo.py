"""Submit a sample enquiry to the running suite and print what it produced.

    make run    # in one terminal
    make demo   # in another

Uses AMQP_URI (default amqp://guest:guest@localhost:5672/).
"""

from __future__ import annotations

import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()

import time  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from typing import Any  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

import shared.nameko_wiring  # noqa: E402, F401 - the typed errors come back as themselves
from scripts.local_keys import signing_key  # noqa: E402
from scripts.local_services import amqp_uri  # noqa: E402
from shared.identity import CASEWORKER, CONTEXT_KEY, TEAM_LEADER, TokenIssuer  # noqa: E402

TEMPLATE_KEY = "housing-options-enquiry"


def sample_answers(today: date | None = None) -> dict[str, Any]:
    """A private tenant in England with a section 8 notice for rent arrears (ground 8), served
    9 days ago and giving a date 30 days after service (ground 8 needs 4 weeks): the date is 3
    weeks away, so she is threatened with homelessness (Housing Act 1996 s.175(5) as amended by
    the Renters' Rights Act 2025) and the prevention duty is suggested."""
    today = today or date.today()
    served = today - timedelta(days=9)
    return {
        "full_name": "Siobhan Kowalski",
        "age_band": "aged_25_or_over",
        "email": "siobhan@example.org",
        "postcode": "m1 1ae",
        "household_adults": 1,
        "household_children": 2,
        "immigration_status": "british_or_irish",
        "tenure": "private_rented",
        "homeless_tonight": False,
        "has_notice": True,
        "notice_type": "section_8",
        "notice_ground": "ground_8",
        "notice_served_date": served.isoformat(),
        "notice_expiry_date": (served + timedelta(days=30)).isoformat(),
        "tenancy_start_date": (today - timedelta(days=800)).isoformat(),
        "relationship_ending": False,
        "home_unsafe": False,
        "fleeing_violence": False,
        "armed_forces": "never",
        "support_needs": ["mental_health"],
        "income_sources": ["employment", "universal_credit"],
        "referral_source": "self",
    }


def submit_sample_enquiry(rpc: Any, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    return rpc.enquiry.submit_enquiry(
        {"template_key": TEMPLATE_KEY, "answers": answers or sample_answers()}
    )


def wait_for_case(rpc: Any, enquiry: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """Poll until the case exists with its advice, tasks and pack."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        case = find_case(rpc, enquiry["id"])
        if case and case["advice"] and case["tasks"] and pack_of(case):
            return case
        time.sleep(0.2)
    raise TimeoutError(f"no complete case for enquiry {enquiry['id']} within {timeout}s")


def pack_of(case: dict[str, Any]) -> dict[str, Any] | None:
    """The latest information pack of the case, if it has one yet."""
    packs = [d for d in case["documents"] if d["kind"] == "information_pack"]
    return packs[-1] if packs else None


def find_case(rpc: Any, enquiry_id: str) -> dict[str, Any] | None:
    from shared.errors import NotFound

    try:
        return rpc.cases.get_case_for_enquiry(enquiry_id)
    except NotFound:
        return None


def suite_not_answering(amqp_uri: str) -> str | None:
    """One line when a service does not answer, instead of a traceback or a 30 s wait."""
    from shared.config import SERVICES
    from shared.manage import health
    from shared.startup import hide_password

    for service in SERVICES:
        status, answer = health(service, amqp_uri, timeout=5.0)
        if status != 0:
            return (
                f"the suite is not running: {service} does not answer at {hide_password(amqp_uri)}"
                f" ({answer.get('status')}); start it with `make run` in another terminal"
            )
    return None


def main() -> None:
    config = {"AMQP_URI": amqp_uri()}
    problem = suite_not_answering(config["AMQP_URI"])
    if problem:
        raise SystemExit(problem)
    # The demo acts as a housing officer of the local team, signing with the local run's key
    # (scripts/local_keys.py), as the gateway will for a signed-in officer.
    officer = TokenIssuer.from_file(signing_key()).mint(
        "officer:demo", [CASEWORKER, TEAM_LEADER], team="housing-options"
    )
    with ClusterRpcProxy(config, timeout=30, context_data={CONTEXT_KEY: officer}) as rpc:
        enquiry = submit_sample_enquiry(rpc)
        print(f"enquiry {enquiry['id']} submitted; workflow: {enquiry['workflow']}")
        case = wait_for_case(rpc, enquiry)
        print(f"\ncase reference: {case['reference']}  (status {case['status']})")
        notice = case["notice_check"]
        if notice:
            print(
                f"notice checked under {notice['pack_key']}: {notice['notice_type']} "
                f"{notice.get('ground') or ''} -> {notice['verdict']}"
            )
            print(f"  {notice['advice']}")
        print(f"duty suggested by triage: {case['suggested_duty']}")
        if case["suggested_duty"] in ("prevention", "relief"):
            # The officer is satisfied today: the duty begins and its clock starts.
            rpc.cases.change_stage(
                {
                    "case": case["reference"],
                    "stage": case["suggested_duty"],
                    "actor": "officer:demo",
                }
            )
            case = rpc.cases.get_case(case["reference"], "officer:demo")
            for clock in case["clocks"]:
                print(
                    f"  {clock['kind']}: begins {clock['starts_on']}, last day {clock['due_on']}"
                    f" ({clock['citation']}); {clock['note']}"
                )
        print("\nadvice chosen:")
        for statement in case["advice"]["statements"]:
            print(f"  - [{statement['section']}] {statement['title']} (v{statement['version']})")
        print("\ntasks:")
        for task in case["tasks"]:
            print(f"  - {task['name']}: {task['status']}, due {task['due_at'] or '-'}")
        document = rpc.documents.get_document(pack_of(case)["document_id"])
        print(f"\ninformation pack: {document['path']}")
        print(f"  sha256 {document['sha256']}, {document['size']} bytes")
        web = rpc.documents.get_document(document["id"], "html")
        print(f"  accessible HTML edition: {web['path']}")
        for letter in (d for d in case["documents"] if d["kind"] != "information_pack"):
            print(f"{letter['kind']} letter: v{letter['version']}, sha256 {letter['sha256']}")
        timeline = rpc.cases.get_timeline(case["id"])
        print(f"\ntimeline: {len(timeline)} audit entries")
        for entry in timeline:
            print(
                f"  {entry['occurred_at']}  {entry['source']:<9} {entry['actor']:<16} "
                f"{entry['action']}"
            )


if __name__ == "__main__":
    main()
