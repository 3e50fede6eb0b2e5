"""Cases service: nameko entrypoints only.

Every event handler is declared with ``requeue_on_error=True``: an unexpected failure (database
down, a bug) puts the event back on the queue instead of nameko's default of acknowledging it, so
nothing is silently dropped; events that can never succeed are parked by ``handle_event``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.dependency_providers import Config
from nameko.timer import timer

from services.cases import audit_chain, case_work, clock_watch, decisions, duties, operations
from services.cases.models import metadata
from services.cases.policy import POLICY
from services.cases.schemas import (
    CASE_ID_ARGS,
    ENQUIRY_ARGS,
    LAW_CHANGE_ARGS,
    TIMELINE_ARGS,
    VIEW_ARGS,
    AddNoteSchema,
    AssignCaseSchema,
    AuthoriseNonCooperationSchema,
    CaseSchema,
    ChangeStageSchema,
    CloseCaseSchema,
    CorrectClockStartSchema,
    EndDutySchema,
    NoteSchema,
    PlanDecisionSchema,
    ProposeNonCooperationSchema,
    RecordFindingsSchema,
    ReopenCaseSchema,
    SearchCasesSchema,
)
from shared import nameko_wiring
from shared.bus import event_handler
from shared.clock import london_today
from shared.contracts import TASK_EVENTS
from shared.nameko_wiring import UnitOfWorkProvider, rpc
from shared.validation import load, load_arguments

CLOCK_SCAN_SECONDS = 60


def handles(source: str, event_type: str) -> Any:
    return event_handler(source, event_type, requeue_on_error=True)


def _record_task(event_type: str) -> Any:
    """One handler per task event type (shared.contracts.TASK_EVENTS): each its own queue and
    inbox key, ``record_task_<name>``."""

    def record(self: Any, message: dict) -> None:
        self.uow.handle_event(message, operations.record_task)

    record.__name__ = f"record_task_{event_type.removeprefix('task.')}"
    record.__doc__ = f"Keep the case's summary of a task up to date from ``{event_type}``."
    return handles("tasks", event_type)(record)


# The relay is referenced through its module: `nameko run` would start any class with
# entrypoints that this module names.
class CasesService(nameko_wiring.OutboxRelay):
    name = "cases"

    uow = UnitOfWorkProvider(metadata, audit_sink=operations.store_audit_entry)
    caller = nameko_wiring.CallerProvider(POLICY)
    config = Config()

    @handles("enquiry", "enquiry.submitted")
    def open_case_for_enquiry(self, message: dict) -> None:
        team = self.config.get("CASE_TEAM") or operations.DEFAULT_TEAM
        self.uow.handle_event(message, partial(operations.open_case_for_enquiry, team=team))

    @handles("enquiry", "enquiry.workflow_changed")
    def follow_workflow_change(self, message: dict) -> None:
        self.uow.handle_event(message, operations.follow_workflow_change)

    @handles("advice", "advice.matched")
    def record_advice(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_advice)

    for _event_type in TASK_EVENTS:
        locals()[f"record_task_{_event_type.removeprefix('task.')}"] = _record_task(_event_type)
    del _event_type

    @handles("documents", "document.generated")
    def record_document(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_document)

    # The audit trail: one queue per publishing service (nameko binds a handler to one exchange).
    @handles("enquiry", "audit.recorded")
    def record_enquiry_audit(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_audit_event)

    @handles("advice", "audit.recorded")
    def record_advice_audit(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_audit_event)

    @handles("tasks", "audit.recorded")
    def record_tasks_audit(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_audit_event)

    @handles("documents", "audit.recorded")
    def record_documents_audit(self, message: dict) -> None:
        self.uow.handle_event(message, operations.record_audit_event)

    @timer(interval=CLOCK_SCAN_SECONDS)
    def raise_clock_alerts(self) -> None:
        """Runs in every replica; each alert is claimed once (see clock_watch)."""
        with self.uow.transaction() as tx:
            clock_watch.raise_clock_alerts(tx, london_today())

    @timer(interval=operations.AUDIT_HEAD_SIGNING_SECONDS)
    def sign_chain_heads(self) -> None:
        """Signs the audit chain heads that moved, with AUDIT_SIGNING_KEY (nothing without one).
        Runs in every replica; a head is stored once (see operations.sign_chain_heads)."""
        with self.uow.transaction() as tx:
            operations.sign_chain_heads(tx, self.config)

    @rpc
    def get_case(self, reference: str, actor: str | None = None) -> dict[str, Any]:
        """The case (by reference such as ``HO-2026-000001``, or by id) with its stage, clocks,
        notes, advice, tasks and documents. Reading a case is audited: pass ``actor``."""
        args = load_arguments(VIEW_ARGS, reference=reference, actor=actor)
        with self.uow.transaction() as tx:
            return operations.read_case(tx, args["reference"], args["actor"])

    @rpc
    def change_stage(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, stage, actor, decision_notified_on?, review_type?}``: move the case on;
        starts and stops the statutory clocks. Illegal moves are a ``Conflict``."""
        command = load(ChangeStageSchema(), request)
        with self.uow.transaction() as tx:
            case = case_work.change_stage(tx, command)
        return self._summary(case)

    @rpc
    def close_case(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, outcome, reason, actor}``."""
        command = load(CloseCaseSchema(), request)
        with self.uow.transaction() as tx:
            case = case_work.close_case(tx, command)
        return self._summary(case)

    @rpc
    def reopen_case(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, reason, actor}``: back to the stage it was closed from."""
        command = load(ReopenCaseSchema(), request)
        with self.uow.transaction() as tx:
            case = case_work.reopen_case(tx, command)
        return self._summary(case)

    @rpc
    def assign_case(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, owner, actor}``; owner is ``officer:<id>`` or ``team:<name>``."""
        command = load(AssignCaseSchema(), request)
        with self.uow.transaction() as tx:
            case = case_work.assign_case(tx, command)
        return self._summary(case)

    @rpc
    def add_note(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, text, request_id?, actor}``; the same ``request_id`` on the same case
        answers with the note it added."""
        command = load(AddNoteSchema(), request)
        with self.uow.transaction() as tx:
            note = case_work.add_note(tx, command)
            return NoteSchema().dump(note)

    @rpc(records_actor=False)
    def list_cases(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """``{owner?, status?, stage?, reference?, name?, clock_due_by?, page?, page_size?}``:
        ``{items, total, page, page_size}``, newest first."""
        args = load(SearchCasesSchema(), query or {})
        with self.uow.transaction() as tx:
            return operations.find_cases(tx, args)

    @rpc
    def verify_timeline(self, case_id: str) -> dict[str, Any]:
        """Recompute the case's audit hash chain and hold it against the chain head row, the
        case row's copy and the latest signed head: ``{valid, entries, first_invalid_sequence,
        problem, problems, head, case_head, signed_head, signing}`` (docs/rpc.md)."""
        load_arguments(CASE_ID_ARGS, case_id=case_id)
        keys = audit_chain.AuditKeys.from_config(self.config)
        with self.uow.read() as session:
            return operations.verify_timeline(session, case_id, keys)

    @rpc
    def end_duty(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, ground, notified_on, reason, notice?, actor}``: end the case's prevention or
        relief duty on a ground of s.195(8) or s.189B(7) (or s.193A, or an authorised s.193B
        notice); opens the decision's 21-day review window. See docs/case-lifecycle.md."""
        command = load(EndDutySchema(), request)
        with self.uow.transaction() as tx:
            return decisions.decision_view(decisions.end_duty(tx, command))

    @rpc
    def record_plan_decision(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, notified_on, actor}``: the applicant was notified of the steps in their
        written plan; opens a 21-day review window (a 3-week review category)."""
        command = load(PlanDecisionSchema(), request)
        with self.uow.transaction() as tx:
            return decisions.decision_view(decisions.record_plan_decision(tx, command))

    @rpc
    def propose_non_cooperation_notice(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, grade, warning_given_on, reason, actor}``: a s.193B notice waiting for a
        second officer's authorisation."""
        command = load(ProposeNonCooperationSchema(), request)
        period = int(
            self.config.get("NON_COOPERATION_WARNING_DAYS", duties.DEFAULT_WARNING_PERIOD_DAYS)
        )
        with self.uow.transaction() as tx:
            notice = decisions.propose_non_cooperation_notice(tx, command, period)
            return decisions.decision_view(notice)

    @rpc
    def authorise_non_cooperation_notice(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, notice, grade, actor}``: a second officer, at least as senior as the one
        who proposed it and not involved in the case, authorises the notice."""
        command = load(AuthoriseNonCooperationSchema(), request)
        with self.uow.transaction() as tx:
            return decisions.decision_view(decisions.authorise_non_cooperation_notice(tx, command))

    @rpc
    def record_findings(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, priority_need?, intentionally_homeless?, reason, actor}``: findings that
        decide whether a running relief duty ends by itself (s.189B(4))."""
        command = load(RecordFindingsSchema(), request)
        with self.uow.transaction() as tx:
            return self._summary(decisions.record_findings(tx, command))

    @rpc
    def correct_clock_start(self, request: dict[str, Any]) -> dict[str, Any]:
        """``{case, clock, starts_on, reason, actor}``: move a running duty period's first day
        to the day the council was first satisfied; the clock as it now stands."""
        command = load(CorrectClockStartSchema(), request)
        with self.uow.transaction() as tx:
            clock = decisions.correct_clock_start(tx, command)
            return case_work.clock_view(clock, london_today())

    @rpc
    def cases_affected_by_law_change(self, nation: str, on: str) -> dict[str, Any]:
        """Open cases whose notice was checked under law that a pack taking effect on ``on``
        (ISO date) replaces: ``{nation, on, replaces, pack, changed_notice_types, cases}``."""
        args = load_arguments(LAW_CHANGE_ARGS, nation=nation, on=on)
        with self.uow.read() as session:
            return operations.cases_affected_by_law_change(session, args["nation"], args["on"])

    @staticmethod
    def _summary(case: Any) -> dict[str, Any]:
        return CaseSchema().dump(case)

    @rpc
    def get_case_for_enquiry(self, enquiry_id: str) -> dict[str, Any]:
        """The case opened for an enquiry: how a front end finds the case after submitting."""
        load_arguments(ENQUIRY_ARGS, enquiry_id=enquiry_id)
        with self.uow.transaction() as tx:
            return operations.case_view_for_enquiry(tx, enquiry_id)

    @rpc
    def get_timeline(
        self, case_id: str, page: int | None = None, page_size: int | None = None
    ) -> list[dict[str, Any]] | dict[str, Any]:
        """Every audit entry of the case (by id or reference), oldest first; or with ``page``,
        one page of them newest first (``{items, total, page, page_size}``, at most 500)."""
        args = load_arguments(TIMELINE_ARGS, case_id=case_id, page=page, page_size=page_size)
        with self.uow.transaction() as tx:
            if args["page"] is None:
                return operations.case_timeline(tx, case_id)
            return operations.case_timeline_page(
                tx, case_id, args["page"], args["page_size"] or 100
            )
