"""Use cases of the advice service: repository + domain + the events they cause. No nameko."""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from services.advice import commands, domain, events, repository, schemas, seed
from services.advice.models import MatchResult, Statement, Workflow
from shared.clock import london_date, london_today, utcnow
from shared.envelope import Envelope, new_correlation_id
from shared.errors import NotFound, ValidationFailed
from shared.law import UnknownNation
from shared.unit_of_work import Transaction

log = logging.getLogger(__name__)


class BankCache:
    """The compiled bank of this process, rebuilt only when the bank's version moves on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._bank: domain.CompiledBank | None = None

    def get(self, session: Session) -> domain.CompiledBank:
        version = repository.bank_version(session)
        with self._lock:
            if self._bank is None or version != self._version:
                self._bank = domain.CompiledBank(
                    repository.statements_to_match(session),
                    [repository.workflow_to_domain(w) for w in repository.all_workflows(session)],
                )
                self._version = version
                # Once per compile: every match for its workflow reports it as failed too.
                for failure in self._bank.refused.values():
                    log.warning(
                        "statement %s@%s is left out of every match: %s",
                        failure.key,
                        failure.version,
                        failure.reason,
                    )
            return self._bank


BANKS = BankCache()


def match(
    session: Session,
    workflow: str,
    answers: dict[str, Any],
    derived: dict[str, Any],
    on: date,
    nation: str,
) -> dict[str, list[dict]]:
    """``{statements, failed}``: the statements for ``nation`` in effect ``on`` whose
    conditions hold over the answers and the derived facts, in pack order, each with the
    conditions that held; and those that could not be judged (``{key, version, reason}``),
    left out so that the rest still goes out."""
    facts = domain.match_facts(answers, derived)
    bank = BANKS.get(session)
    try:
        selection = bank.select(workflow, facts, on, nation)
    except UnknownNation as unknown:
        raise ValidationFailed({"nation": [str(unknown)]}) from None
    except KeyError:
        raise ValidationFailed({"workflow": [f"unknown workflow {workflow!r}"]}) from None
    explained, failed = domain.with_reasons(selection, facts, on)
    for failure in failed:
        if failure.key not in bank.refused:  # those were logged when the bank was compiled
            # Key and version only: the answers stay out of the log.
            log.warning(
                "statement %s@%s left out of a match: %s",
                failure.key,
                failure.version,
                failure.reason,
            )
    return {
        "statements": [
            {**schemas.MatchedStatementSchema().dump(statement), "reasons": reasons}
            for statement, reasons in explained
        ],
        "failed": [failure.as_dict() for failure in failed],
    }


def match_statements(
    session: Session, command: commands.MatchStatements
) -> list[dict] | dict[str, list[dict]]:
    """``match`` for an RPC caller: on the day asked about, London's today by default. The
    statements alone, or with the failed ones when the caller asked (``report_failed``)."""
    result = match(
        session,
        command.workflow,
        command.answers,
        command.derived,
        command.on_date or london_today(),
        command.nation,
    )
    return result if command.report_failed else result["statements"]


def why(session: Session, command: commands.ExplainStatement) -> dict[str, Any]:
    """Why a statement was, or was not, chosen for these answers in this nation on this day."""
    bank = BANKS.get(session)
    try:
        return bank.why(
            command.statement_key,
            command.workflow,
            domain.match_facts(command.answers, command.derived),
            command.on_date or london_today(),
            command.nation,
        )
    except UnknownNation as unknown:
        raise ValidationFailed({"nation": [str(unknown)]}) from None
    except KeyError as missing:
        if missing.args[0] == command.workflow:
            raise ValidationFailed(
                {"workflow": [f"unknown workflow {missing.args[0]!r}"]}
            ) from None
        raise NotFound("statement", missing.args[0]) from None


def preview(
    session: Session, command: commands.PreviewStatement, template: dict[str, Any]
) -> dict[str, Any]:
    """``why`` for a statement as drafted, before it is saved: checked as saving checks it,
    then judged on its own against the same answers; with how the saved version (if any) is
    judged, for comparison."""
    item = command.statement
    problems = domain.check_statement(
        item,
        repository.all_sections(session),
        {w.key for w in repository.all_workflows(session)},
        seed.questions_of(template),
        london_today(),
    )
    if problems:
        raise ValidationFailed(domain.statement_errors(item["key"], problems))
    fields = seed.statement_fields(item)
    draft = domain.StatementVersion(
        key=item["key"],
        version=0,
        title=fields["title"],
        body=fields["body"],
        section=fields["section"],
        priority=fields["priority"],
        workflows=tuple(fields["workflows"]),
        condition=fields["condition"],
        nations=tuple(fields["nations"]),
        effective_from=fields["effective_from"],
        effective_to=fields["effective_to"],
        source=fields["source"],
        reviewed_on=fields["reviewed_on"],
    )
    workflows = [repository.workflow_to_domain(w) for w in repository.all_workflows(session)]
    on = command.on_date or london_today()
    facts = domain.match_facts(command.answers, command.derived)
    try:
        drafted = domain.CompiledBank([draft], workflows).why(
            draft.key, command.workflow, facts, on, command.nation
        )
    except UnknownNation as unknown:
        raise ValidationFailed({"nation": [str(unknown)]}) from None
    except KeyError:
        raise ValidationFailed({"workflow": [f"unknown workflow {command.workflow!r}"]}) from None
    saved = None
    if item["key"] in BANKS.get(session).statements:
        saved = BANKS.get(session).why(item["key"], command.workflow, facts, on, command.nation)
    return {"draft": drafted, "saved": saved}


def pack_outline(session: Session, workflow_key: str) -> tuple[str, list[dict[str, str]]]:
    """The workflow's title and its sections, in pack order."""
    workflow = repository.get_workflow(session, workflow_key)
    if workflow is None:
        raise NotFound("workflow", workflow_key)
    titles = repository.section_titles(session)
    return workflow.title, [{"key": key, "title": titles[key]} for key in workflow.sections]


def match_submitted_enquiry(tx: Transaction, event: Envelope) -> MatchResult:
    """Match once per enquiry, under the law of the enquiry's nation on the day it was
    submitted, and announce the ordered statements with versions and reasons."""
    data = schemas.submitted_enquiry(event)
    existing = repository.match_for(tx.session, data["enquiry_id"])
    if existing is not None:
        return existing
    submitted_on = london_date(data["submitted_at"])
    result = MatchResult(
        enquiry_id=data["enquiry_id"],
        workflow=data["workflow"],
        nation=data["nation"],
        matched_on=submitted_on,
        # A statement that could not be judged is logged and left out; the pack still goes out.
        statements=match(
            tx.session,
            data["workflow"],
            data["answers"],
            data["derived"],
            submitted_on,
            data["nation"],
        )["statements"],
        matched_at=utcnow(),
    )
    tx.session.add(result)
    tx.session.flush()
    title, sections = pack_outline(tx.session, result.workflow)
    tx.record(
        events.advice_matched(result, title, sections, event.correlation_id, event.id),
        actor="system:advice",
        entity_type="advice_match",
        entity_id=str(result.id),
        after={
            "workflow": result.workflow,
            "nation": result.nation,
            "matched_on": submitted_on.isoformat(),
            "statements": [f"{s['key']}@{s['version']}" for s in result.statements],
        },
    )
    return result


def save_statement(
    tx: Transaction, command: commands.SaveStatement, template: dict[str, Any]
) -> tuple[Statement, bool]:
    """Add a statement, or a new version of one, after checking it against the bank and the
    question template (``template``, as the enquiry service gave it for
    ``command.template_key``). Returns the latest version and whether a new one was made."""
    item = command.statement
    problems = domain.check_statement(
        item,
        repository.all_sections(tx.session),
        {w.key for w in repository.all_workflows(tx.session)},
        seed.questions_of(template),
        london_today(),
    )
    if problems:
        raise ValidationFailed(domain.statement_errors(item["key"], problems))
    created = seed.add_version_if_changed(
        tx.session, item["key"], seed.statement_fields(item), command.actor
    )
    if created is None:
        return repository.latest_version(tx.session, item["key"]), False
    repository.bump_bank_version(tx.session)
    tx.audit(
        actor=command.actor,
        action="statement.saved",
        entity_type="statement",
        entity_id=f"{created.key}@{created.version}",
        correlation_id=new_correlation_id(),
        before={"version": created.version - 1} if created.version > 1 else None,
        after={
            "version": created.version,
            "title": created.title,
            "nations": list(created.nations),
            "source": created.source,
        },
    )
    return created, True


def statement_history(session: Session, key: str) -> list[Statement]:
    versions = repository.versions_of(session, key)
    if not versions:
        raise NotFound("statement", key)
    return versions


def list_statements(session: Session, workflow: str | None) -> list[Statement]:
    """The current version of every statement (of one workflow, if given), by key."""
    return repository.current_statements(session, workflow)


def list_workflows(session: Session) -> list[Workflow]:
    return repository.all_workflows(session)
