"""The cases service's use cases without a broker: an in-memory SQLite unit of work whose audit
sink is the service's own audit store, and a fake dispatch recording what the outbox relay
publishes once each transaction commits. The same scenarios over real RPC and RabbitMQ are in
tests/integration/test_duty_decisions.py and test_case_lifecycle.py."""

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.cases import case_work, clock_watch, commands, decisions, duties, operations
from services.cases.domain import postcode_key
from services.cases.models import Case, metadata
from services.cases.schemas import SearchCasesSchema
from shared.clock import london_today
from shared.contracts import ENQUIRY_SUBMITTED, ENQUIRY_SUBMITTED_VERSION
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.validation import load
from tests.unit.fakes import FakeDispatch, envelope, memory_uow, run

OFFICER, SENIOR, MANAGER = "officer:amy", "officer:bea", "officer:cal"
WARNING_PERIOD_DAYS = duties.DEFAULT_WARNING_PERIOD_DAYS
# The Renters' Rights Act 2025 pack for England takes effect (shared/law/packs/england.yaml).
LAW_CHANGE = date(2026, 5, 1)


@pytest.fixture
def dispatch():
    return FakeDispatch()


@pytest.fixture
def uow(dispatch):
    uow = memory_uow(
        metadata,
        "cases",
        handler="open_case_for_enquiry",
        audit_sink=operations.store_audit_entry,
        dispatch=dispatch,
    )
    yield uow
    uow.engine.dispose()


def submitted_v1(workflow="prevention", answers=None):
    """enquiry.submitted as version 1 carried it (tests/integration/helpers.py)."""
    return envelope(
        ENQUIRY_SUBMITTED,
        {
            "enquiry_id": str(uuid.uuid4()),
            "template": {"key": "housing-options-enquiry", "version": 1},
            "workflow": workflow,
            "workflow_source": "triage",
            "answers": answers or {"full_name": "Jo Bloggs"},
            "submitted_at": "2026-11-24T10:00:00Z",
        },
        source="enquiry",
    )


def submitted_v2(nation="england", notice_check=None, roles=None, workflow="prevention"):
    event = submitted_v1(workflow)
    return replace(
        event,
        version=ENQUIRY_SUBMITTED_VERSION,
        data={
            **event.data,
            "template": {"key": "housing-options-enquiry", "version": 2},
            "nation": nation,
            "roles": roles or {"applicant_name": "Jo Bloggs"},
            "suggested_duty": "prevention",
            "notice_check": notice_check,
            "derived": {},
        },
    )


def open_case(uow, dispatch, event=None, opened_days_ago=0):
    """A case opened from an enquiry (backdated by ``opened_days_ago``, as the integration
    tests do in SQL); its reference. What opening it published is forgotten."""
    case = run(uow, operations.open_case_for_enquiry, event or submitted_v1())
    if opened_days_ago:
        with uow.transaction() as tx:
            tx.session.get(Case, case.id).opened_at -= timedelta(days=opened_days_ago)
    dispatch.clear()
    return case.reference


def start_duty(uow, ref, stage, days_ago=0, **extra):
    if days_ago:
        extra["duty_start_on"] = london_today() - timedelta(days=days_ago)
        extra["duty_start_reason"] = "satisfied at the first interview"
    return run(uow, case_work.change_stage, commands.ChangeStage(ref, OFFICER, stage, **extra))


def days(n):
    return london_today() + timedelta(days=n)


def timeline(uow, ref):
    """The case's audit entries as the audit store keeps them: (actor, action, after)."""
    entries = run(uow, operations.case_timeline, ref)
    return [(e["actor"], e["action"], e["after"]) for e in entries]


def view(uow, ref, actor=OFFICER):
    return run(uow, operations.read_case, ref, actor)


# Opening a case


def test_a_version_1_enquiry_opens_one_case_in_triage(uow, dispatch):
    event = submitted_v1()
    case = run(uow, operations.open_case_for_enquiry, event)
    assert case.reference == f"HO-{london_today().year}-000001"
    assert (case.stage, case.status, case.nation) == ("triage", "open", "england")
    assert (case.applicant_name, case.suggested_duty, case.notice_check) == (
        "Jo Bloggs",
        "none",
        None,
    )
    assert dispatch.types() == ["case.opened"] and dispatch.audited() == ["case.opened"]
    (opened,) = dispatch.data_of("case.opened")
    assert (opened["case_id"], opened["enquiry_id"]) == (case.id, event.data["enquiry_id"])
    assert "Jo Bloggs" not in str(opened)
    assert [(actor, action) for actor, action, _ in timeline(uow, case.reference)] == [
        ("system:cases", "case.opened")
    ]
    # Delivered again (through the inbox, or not): the same case, nothing announced twice.
    assert run(uow, operations.open_case_for_enquiry, event).id == case.id
    uow.handle_event(event.to_message(), operations.open_case_for_enquiry)
    assert dispatch.types() == ["case.opened"]


def test_a_version_2_enquiry_brings_its_nation_referral_and_notice_check(uow, dispatch):
    check = {
        "pack_key": "england-2026-05-01",
        "notice_type": "section_8",
        "ground": "1A",
        "verdict": "can_be_valid",
        "expires_on": "2027-01-05",
    }
    roles = {"applicant_name": " Jo Bloggs ", "referred_by": "probation", "referral_consent": True}
    case = run(uow, operations.open_case_for_enquiry, submitted_v2(notice_check=check, roles=roles))
    assert (case.applicant_name, case.suggested_duty) == ("Jo Bloggs", "prevention")
    assert (case.referred_by, case.referral_consent, case.notice_check) == (
        "probation",
        True,
        check,
    )
    assert dispatch.data_of("case.opened")[0]["nation"] == "england"
    ((_, _, after),) = timeline(uow, case.reference)
    # The audit trail keeps the verdict and the law, not the dates the applicant gave.
    assert after["notice_check"] == {
        "pack_key": "england-2026-05-01",
        "notice_type": "section_8",
        "ground": "1A",
        "verdict": "can_be_valid",
    }
    assert after["referred_by"] == "probation"


def test_an_enquiry_of_an_unknown_version_or_shape_is_refused(uow, dispatch):
    with pytest.raises(ValidationFailed) as refused:
        run(uow, operations.open_case_for_enquiry, replace(submitted_v1(), version=3))
    assert list(refused.value.field_errors) == ["version"]
    event = submitted_v2(nation="mercia")
    with pytest.raises(ValidationFailed) as refused:
        run(uow, operations.open_case_for_enquiry, event)
    assert list(refused.value.field_errors) == ["data.nation"]
    assert dispatch.published == []


# An officer's work on a case


def test_change_stage_starts_the_duty_clock_and_announces_after_commit(uow, dispatch):
    ref = open_case(uow, dispatch)
    with uow.transaction() as tx:
        case = case_work.change_stage(tx, commands.ChangeStage(ref, OFFICER, "prevention"))
        assert dispatch.published == []  # nothing leaves before the commit
    assert case.stage == "prevention"
    assert dispatch.types() == ["case.stage_changed"]
    assert dispatch.audited() == ["case.stage_changed"]
    (changed,) = dispatch.data_of("case.stage_changed")
    (clock,) = changed["clocks"]
    assert changed["previous_stage"] == "triage"
    # 56 days beginning with today (s.195): today is day 1.
    assert (clock["kind"], clock["starts_on"], clock["due_on"]) == (
        "prevention_duty",
        london_today().isoformat(),
        days(55).isoformat(),
    )
    assert clock["backdated"] is False
    *_, (actor, action, after) = timeline(uow, ref)
    assert (actor, action, after["stage"]) == (OFFICER, "case.stage_changed", "prevention")
    assert after["prevention_duty"]["last_day"] == days(55).isoformat()


def test_change_stage_refuses_closing_illegal_moves_and_an_unexplained_backdate(uow, dispatch):
    ref = open_case(uow, dispatch, opened_days_ago=10)
    with pytest.raises(ValidationFailed) as refused:
        run(uow, case_work.change_stage, commands.ChangeStage(ref, OFFICER, "closed"))
    assert list(refused.value.field_errors) == ["stage"]
    with pytest.raises(Conflict):
        run(uow, case_work.change_stage, commands.ChangeStage(ref, OFFICER, "review"))
    backdated = commands.ChangeStage(ref, OFFICER, "relief", duty_start_on=days(-3))
    with pytest.raises(ValidationFailed) as refused:
        run(uow, case_work.change_stage, backdated)
    assert list(refused.value.field_errors) == ["duty_start_reason"]
    with pytest.raises(NotFound):
        run(uow, case_work.change_stage, commands.ChangeStage("HO-1999-000001", OFFICER, "relief"))
    assert dispatch.published == []
    assert view(uow, ref)["stage"] == "triage"


def test_close_case_stops_its_clocks_and_cannot_be_repeated(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "prevention")
    dispatch.clear()
    close = commands.CloseCase(ref, OFFICER, "homelessness_prevented", "Tenancy saved")
    case = run(uow, case_work.close_case, close)
    assert (case.stage, case.status, case.closed_from) == ("closed", "closed", "prevention")
    assert dispatch.types() == ["case.closed"]
    (closed,) = dispatch.data_of("case.closed")
    assert (closed["previous_stage"], closed["outcome"]) == ("prevention", "homelessness_prevented")
    assert "Tenancy saved" not in str(closed)
    assert timeline(uow, ref)[-1][1:] == (
        "case.closed",
        {"stage": "closed", "outcome": "homelessness_prevented"},
    )
    assert [c["state"] for c in view(uow, ref)["clocks"]] == ["stopped"]
    with pytest.raises(Conflict, match="already closed"):
        run(uow, case_work.close_case, close)


def test_reopen_case_goes_back_to_the_stage_it_was_closed_from(uow, dispatch):
    ref = open_case(uow, dispatch)
    with pytest.raises(Conflict, match="nothing to reopen"):
        run(uow, case_work.reopen_case, commands.ReopenCase(ref, OFFICER, "Came back"))
    start_duty(uow, ref, "relief")
    run(uow, case_work.close_case, commands.CloseCase(ref, OFFICER, "contact_lost", "No reply"))
    dispatch.clear()
    case = run(uow, case_work.reopen_case, commands.ReopenCase(ref, OFFICER, "Came back"))
    assert (case.stage, case.status, case.outcome) == ("relief", "open", None)
    assert dispatch.types() == ["case.reopened"]
    (reopened,) = dispatch.data_of("case.reopened")
    assert reopened["previous_outcome"] == "contact_lost"
    assert [c["kind"] for c in reopened["clocks"]] == ["relief_duty"]
    assert dispatch.audited() == ["case.reopened"]


def test_assign_case_announces_the_new_owner_once(uow, dispatch):
    ref = open_case(uow, dispatch)
    case = run(uow, case_work.assign_case, commands.AssignCase(ref, MANAGER, OFFICER))
    assert case.owner == OFFICER
    (assigned,) = dispatch.data_of("case.assigned")
    assert (assigned["owner"], assigned["previous_owner"]) == (OFFICER, None)
    assert timeline(uow, ref)[-1] == (MANAGER, "case.assigned", {"owner": OFFICER})
    with pytest.raises(Conflict, match="already assigned"):
        run(uow, case_work.assign_case, commands.AssignCase(ref, MANAGER, OFFICER))
    assert dispatch.types() == ["case.assigned"]


def test_add_note_audits_that_a_note_was_written_not_what_it_says(uow, dispatch):
    ref = open_case(uow, dispatch)
    note_command = commands.AddNote(ref, OFFICER, "Rang the landlord", request_id="note-0001")
    note = run(uow, case_work.add_note, note_command)
    assert (note.text, note.author) == ("Rang the landlord", OFFICER)
    assert dispatch.types() == [] and dispatch.audited() == ["case.note_added"]
    assert timeline(uow, ref)[-1] == (OFFICER, "case.note_added", {"note_id": note.id})
    assert "Rang the landlord" not in str(dispatch.published)
    # The same request again is the same note; another note under its request id is refused.
    assert run(uow, case_work.add_note, note_command).id == note.id
    with pytest.raises(Conflict, match="already added a different note"):
        run(uow, case_work.add_note, replace(note_command, text="Something else"))
    with pytest.raises(NotFound):
        run(uow, case_work.add_note, replace(note_command, case="no-such-case"))
    assert [n["text"] for n in view(uow, ref)["notes"]] == ["Rang the landlord"]


# Decisions on a duty


def test_ending_prevention_opens_a_review_window_that_outlives_the_stage(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "prevention")
    dispatch.clear()
    ending = commands.EndDuty(
        ref, OFFICER, "became_homeless", london_today(), "Evicted by bailiffs this morning"
    )
    decision = run(uow, decisions.end_duty, ending)
    assert (decision.kind, decision.duty, decision.ground, decision.status) == (
        "duty_ended",
        "prevention",
        "became_homeless",
        "notified",
    )
    assert decision.review_category == "prevention_end_notice"
    assert dispatch.types() == ["case.duty_ended"]
    (ended,) = dispatch.data_of("case.duty_ended")
    assert ended["automatic"] is False and ended["decision_id"] == decision.id
    # 21 days beginning with the day of notification (s.202(3)).
    assert ended["review_window"]["due_on"] == days(20).isoformat()
    assert "Evicted" not in str(ended)
    assert timeline(uow, ref)[-1][2]["reason"] == "Evicted by bailiffs this morning"

    with pytest.raises(Conflict, match="already ended"):
        run(uow, decisions.end_duty, replace(ending, ground="no_longer_eligible"))
    start_duty(uow, ref, "relief")
    states = {c["kind"]: c["state"] for c in view(uow, ref)["clocks"]}
    assert states == {
        "prevention_duty": "stopped",
        "review_request_window": "running",
        "relief_duty": "running",
    }


def test_bad_endings_are_refused_naming_the_field(uow, dispatch):
    ref = open_case(uow, dispatch)
    ending = commands.EndDuty(ref, OFFICER, "became_homeless", london_today(), "x" * 5)
    with pytest.raises(Conflict, match="no prevention or relief duty"):
        run(uow, decisions.end_duty, ending)
    start_duty(uow, ref, "relief")
    with pytest.raises(ValidationFailed) as refused:
        # A prevention ground only, and notified tomorrow.
        run(uow, decisions.end_duty, replace(ending, notified_on=days(1)))
    assert set(refused.value.field_errors) == {"ground", "notified_on"}
    with pytest.raises(ValidationFailed) as refused:
        run(uow, decisions.end_duty, replace(ending, ground="no_longer_eligible", notice="n-1"))
    assert list(refused.value.field_errors) == ["notice"]
    # Nothing was half-written.
    assert view(uow, ref)["decisions"] == []


def test_the_56_day_ground_waits_for_the_day_after_the_last_day(uow, dispatch):
    ref = open_case(uow, dispatch, opened_days_ago=60)
    start_duty(uow, ref, "prevention", days_ago=55)  # today is the period's last day
    ending = commands.EndDuty(ref, OFFICER, "period_56_days_ended", london_today(), "56 days")
    with pytest.raises(ValidationFailed) as refused:
        run(uow, decisions.end_duty, ending)
    assert list(refused.value.field_errors) == ["ground"]
    correction = commands.CorrectClockStart(
        ref, OFFICER, "prevention_duty", days(-56), "First satisfied a day earlier"
    )
    run(uow, decisions.correct_clock_start, correction)
    assert run(uow, decisions.end_duty, ending).review_category == "prevention_end_notice"


def test_a_plan_steps_decision_opens_a_window_with_a_three_week_review(uow, dispatch):
    ref = open_case(uow, dispatch)
    with pytest.raises(Conflict, match="no prevention or relief duty"):
        run(uow, decisions.record_plan_decision, commands.RecordPlanDecision(ref, OFFICER, days(0)))
    start_duty(uow, ref, "relief")
    dispatch.clear()
    with pytest.raises(ValidationFailed) as refused:
        run(uow, decisions.record_plan_decision, commands.RecordPlanDecision(ref, OFFICER, days(1)))
    assert list(refused.value.field_errors) == ["notified_on"]
    decision = run(
        uow, decisions.record_plan_decision, commands.RecordPlanDecision(ref, OFFICER, days(0))
    )
    assert (decision.kind, decision.review_category) == ("plan_steps", "relief_steps")
    assert dispatch.types() == ["case.decision_notified"]
    (notified,) = dispatch.data_of("case.decision_notified")
    assert notified["review_window"]["starts_on"] == london_today().isoformat()
    assert notified["review_window"]["decision_id"] == decision.id
    assert dispatch.audited() == ["case.decision_notified"]


def test_a_non_cooperation_notice_needs_a_second_senior_uninvolved_officer(uow, dispatch):
    ref = open_case(uow, dispatch, opened_days_ago=30)
    start_duty(uow, ref, "prevention", days_ago=20)
    run(uow, case_work.add_note, commands.AddNote(ref, MANAGER, "Missed two appointments"))
    proposal = commands.ProposeNonCooperationNotice(
        ref, OFFICER, "senior_officer", days(-2), "Refused every step"
    )
    with pytest.raises(ValidationFailed) as refused:
        run(uow, decisions.propose_non_cooperation_notice, proposal, WARNING_PERIOD_DAYS)
    assert list(refused.value.field_errors) == ["warning_given_on"]
    proposal = replace(proposal, warning_given_on=days(-10))
    dispatch.clear()
    notice = run(uow, decisions.propose_non_cooperation_notice, proposal, WARNING_PERIOD_DAYS)
    assert (notice.status, notice.decided_grade) == ("proposed", "senior_officer")
    assert dispatch.types() == [] and dispatch.audited() == ["case.non_cooperation_proposed"]
    with pytest.raises(Conflict, match="already has a non-cooperation notice"):
        run(uow, decisions.propose_non_cooperation_notice, proposal, WARNING_PERIOD_DAYS)
    ending = commands.EndDuty(
        ref, OFFICER, "non_cooperation_notice", london_today(), "Refusal", notice=notice.id
    )
    with pytest.raises(ValidationFailed, match="authorise"):
        run(uow, decisions.end_duty, ending)

    def authorise(actor, grade, notice_id=notice.id):
        command = commands.AuthoriseNonCooperationNotice(ref, actor, notice_id, grade)
        return run(uow, decisions.authorise_non_cooperation_notice, command)

    with pytest.raises(ValidationFailed) as refused:
        authorise(OFFICER, "head_of_service")
    assert "proposed" in refused.value.field_errors["actor"][0]
    with pytest.raises(ValidationFailed) as refused:
        authorise(SENIOR, "officer")
    assert list(refused.value.field_errors) == ["authoriser_grade"]
    with pytest.raises(ValidationFailed) as refused:  # wrote a note: involved
        authorise(MANAGER, "service_manager")
    assert "involved" in refused.value.field_errors["actor"][0]
    with pytest.raises(ValidationFailed) as refused:
        authorise(SENIOR, "team_leader", notice_id="no-such-notice")
    assert list(refused.value.field_errors) == ["notice"]
    view(uow, ref, SENIOR)  # reading the case does not make anyone involved
    dispatch.clear()
    authorised = authorise(SENIOR, "team_leader")
    assert (authorised.status, authorised.authorised_by) == ("authorised", SENIOR)
    assert dispatch.audited() == ["case.non_cooperation_authorised"]
    with pytest.raises(Conflict, match="not waiting for authorisation"):
        authorise("officer:dan", "team_leader")

    issued = run(uow, decisions.end_duty, ending)
    assert (issued.id, issued.status) == (notice.id, "issued")
    assert issued.review_category == "non_cooperation_prevention"
    assert dispatch.data_of("case.duty_ended")[0]["ground"] == "non_cooperation_notice"


def test_findings_decide_how_relief_ends(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "relief")
    (clock,) = view(uow, ref)["clocks"]
    assert clock["ending"] == "may_end_by_notice"
    with pytest.raises(ValidationFailed) as refused:
        run(uow, decisions.record_findings, commands.RecordFindings(ref, OFFICER, "none given"))
    assert list(refused.value.field_errors) == ["priority_need"]
    dispatch.clear()
    findings = commands.RecordFindings(ref, OFFICER, "Dependent children", True, False)
    case = run(uow, decisions.record_findings, findings)
    assert (case.priority_need, case.intentionally_homeless) == (True, False)
    assert dispatch.types() == ["case.findings_recorded"]
    (recorded,) = dispatch.data_of("case.findings_recorded")
    assert [c["ending"] for c in recorded["clocks"]] == ["ends_automatically"]
    assert "Dependent children" not in str(recorded)
    assert timeline(uow, ref)[-1][2] == {
        "priority_need": True,
        "intentionally_homeless": False,
        "reason": "Dependent children",
    }
    (clock,) = view(uow, ref)["clocks"]
    assert clock["ending"] == "ends_automatically" and clock["citation"].endswith("s.189B(4)")


def test_correcting_a_duty_start_moves_every_date_after_it(uow, dispatch):
    ref = open_case(uow, dispatch, opened_days_ago=10)
    start_duty(uow, ref, "prevention")
    dispatch.clear()
    correction = commands.CorrectClockStart(
        ref, OFFICER, "prevention_duty", days(-5), "Satisfied on the phone"
    )
    clock = run(uow, decisions.correct_clock_start, correction)
    assert (clock.starts_on, clock.due_on, clock.start_reason) == (
        days(-5),
        days(50),
        "Satisfied on the phone",
    )
    assert dispatch.types() == ["case.clock_corrected"]
    (corrected,) = dispatch.data_of("case.clock_corrected")
    assert corrected["previous_starts_on"] == london_today().isoformat()
    assert corrected["clock"]["backdated"] is True and "phone" not in str(corrected)
    assert timeline(uow, ref)[-1][2]["reason"] == "Satisfied on the phone"


def test_correcting_a_duty_start_refuses_the_future_before_the_enquiry_and_no_change(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "prevention")
    correction = commands.CorrectClockStart(ref, OFFICER, "prevention_duty", days(0), "typo")
    for starts_on in (days(1), days(-3)):
        with pytest.raises(ValidationFailed) as refused:
            run(uow, decisions.correct_clock_start, replace(correction, starts_on=starts_on))
        assert list(refused.value.field_errors) == ["starts_on"]
    with pytest.raises(Conflict, match="already begins"):
        run(uow, decisions.correct_clock_start, correction)
    with pytest.raises(Conflict, match="no running relief_duty"):
        run(uow, decisions.correct_clock_start, replace(correction, clock="relief_duty"))


# The clock watch


def test_the_clock_watch_warns_then_ends_relief_by_itself_once(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "relief")
    findings = commands.RecordFindings(ref, OFFICER, "Dependent children", True, False)
    run(uow, decisions.record_findings, findings)
    dispatch.clear()
    # The relief period's last day is day 56 (today + 55): nothing is due before its warning.
    assert run(uow, clock_watch.raise_clock_alerts, days(10)) == 0
    assert dispatch.published == []
    # The day after the last day: the warning (caught up), the end, and the duty ends by itself.
    assert run(uow, clock_watch.raise_clock_alerts, days(56)) == 2
    assert dispatch.types() == ["case.clock_warning", "case.clock_period_ended", "case.duty_ended"]
    (period_ended,) = dispatch.data_of("case.clock_period_ended")
    assert period_ended["clock"]["day_after"] == days(56).isoformat()
    (ended,) = dispatch.data_of("case.duty_ended")
    assert (ended["automatic"], ended["ground"]) == (True, "period_ended_automatically")
    assert ended["review_window"] is None
    actions = [(actor, action) for actor, action, _ in timeline(uow, ref)][-3:]
    assert actions == [
        ("system:cases", "case.clock_warning"),
        ("system:cases", "case.clock_period_ended"),
        ("system:cases", "case.duty_ended"),
    ]
    (clock,) = view(uow, ref)["clocks"]
    assert (clock["state"], clock["stopped_on"]) == ("stopped", days(56).isoformat())
    # Each alert is raised once, whichever scan comes next.
    dispatch.clear()
    assert run(uow, clock_watch.raise_clock_alerts, days(60)) == 0
    assert dispatch.types() == []


def test_a_prevention_period_ending_does_not_end_the_duty(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "prevention")
    dispatch.clear()
    assert run(uow, clock_watch.raise_clock_alerts, days(56)) == 2
    assert dispatch.types() == ["case.clock_warning", "case.clock_period_ended"]
    (period_ended,) = dispatch.data_of("case.clock_period_ended")
    assert period_ended["clock"]["ending"] == "may_end_by_notice"
    # s.195(8)(b): from the day after, the council may end the duty by notice; it goes on.
    shown = view(uow, ref)
    assert [c["stopped_on"] for c in shown["clocks"]] == [None]
    assert shown["decisions"] == [] and "case.duty_ended" not in dispatch.types()


# Reading and finding cases


def test_read_case_shows_the_case_and_audits_the_read(uow, dispatch):
    ref = open_case(uow, dispatch)
    start_duty(uow, ref, "prevention")
    dispatch.clear()
    shown = view(uow, ref, SENIOR)
    assert (shown["reference"], shown["stage"], shown["applicant_name"]) == (
        ref,
        "prevention",
        "Jo Bloggs",
    )
    assert [c["kind"] for c in shown["clocks"]] == ["prevention_duty"]
    assert (shown["decisions"], shown["notes"], shown["tasks"]) == ([], [], [])
    assert dispatch.types() == [] and dispatch.audited() == ["case.viewed"]
    assert timeline(uow, ref)[-1][:2] == (SENIOR, "case.viewed")
    with pytest.raises(NotFound):
        view(uow, "HO-1999-000001")
    assert dispatch.audited() == ["case.viewed"]


def test_find_cases_filters_and_pages_newest_first(uow, dispatch):
    first = open_case(uow, dispatch, opened_days_ago=2)
    second = open_case(uow, dispatch, submitted_v1(answers={"full_name": "Sam Smith"}))
    start_duty(uow, first, "relief")
    run(uow, case_work.assign_case, commands.AssignCase(second, MANAGER, OFFICER))

    def found(**query):
        page = run(uow, operations.find_cases, load(SearchCasesSchema(), query))
        return [c["reference"] for c in page["items"]], page["total"]

    assert found() == ([second, first], 2)
    assert found(page_size=1, page=2) == ([first], 2)
    assert found(stage="relief") == ([first], 1)
    assert found(owner=OFFICER) == ([second], 1)
    assert found(name="smith") == ([second], 1)
    assert found(reference=second.lower()) == ([second], 1)
    assert found(clock_due_by=days(55).isoformat()) == ([first], 1)
    assert found(clock_due_by=days(54).isoformat()) == ([], 0)
    with pytest.raises(ValidationFailed) as refused:
        load(SearchCasesSchema(), {"status": "pending"})
    assert list(refused.value.field_errors) == ["status"]


def test_find_cases_by_the_applicants_postcode_whole_or_its_start(uow, dispatch):
    def opened(postcode):
        roles = {"applicant_name": "Jo Bloggs", "applicant_postcode": postcode}
        return open_case(uow, dispatch, submitted_v2(roles=roles))

    in_leeds, in_london, no_postcode = opened("ls1 4ap"), opened("SW1A 1AA"), opened(None)

    def found(postcode):
        query = load(SearchCasesSchema(), {"postcode": postcode})
        return [c["reference"] for c in run(uow, operations.find_cases, query)["items"]]

    assert found("LS1 4AP") == [in_leeds] and found("ls14ap") == [in_leeds]
    assert found("sw1a") == [in_london] and found("SW") == [in_london]
    assert found("LS2") == []
    assert no_postcode not in found("SW") + found("LS")
    assert view(uow, in_leeds)["applicant_postcode"] == "LS14AP"
    # What the officer typed is not a postcode's shape: refused by field, and never echoed.
    for bad in ("L", "SW1A 1AA X", "SW%", "SW1A_"):
        with pytest.raises(ValidationFailed) as refused:
            load(SearchCasesSchema(), {"postcode": bad})
        assert list(refused.value.field_errors) == ["postcode"]
        assert bad not in str(refused.value.field_errors)


def test_a_postcode_key_is_upper_case_without_spaces():
    assert postcode_key(" sw1a  1aa ") == "SW1A1AA"
    assert postcode_key("") is None and postcode_key(7) is None
    assert postcode_key("not a postcode at all") is None


def test_open_cases_affected_by_a_change_of_law(uow, dispatch):
    def with_notice(pack_key, notice_type, nation="england"):
        check = {"pack_key": pack_key, "notice_type": notice_type, "verdict": "can_be_valid"}
        return open_case(uow, dispatch, submitted_v2(nation, check, workflow="eviction"))

    old_notice = with_notice("england-2021-10-01", "section_21")
    new_notice = with_notice("england-2026-05-01", "section_8")
    closed = with_notice("england-2021-10-01", "section_21")
    run(uow, case_work.close_case, commands.CloseCase(closed, OFFICER, "withdrawn", "Withdrawn"))
    with uow.read() as session:
        found = operations.cases_affected_by_law_change(session, "england", LAW_CHANGE)
        assert (found["replaces"], found["pack"]) == ("england-2021-10-01", "england-2026-05-01")
        assert [c["reference"] for c in found["cases"]] == [old_notice]
        assert found["cases"][0]["notice_type"] == "section_21"
        assert new_notice not in str(found) and "Jo Bloggs" not in str(found)
        with pytest.raises(ValidationFailed) as refused:
            operations.cases_affected_by_law_change(session, "mercia", LAW_CHANGE)
        assert list(refused.value.field_errors) == ["nation"]
        with pytest.raises(ValidationFailed) as refused:
            operations.cases_affected_by_law_change(
                session, "england", LAW_CHANGE + timedelta(days=1)
            )
        assert list(refused.value.field_errors) == ["on"]


def test_a_welsh_case_gets_no_english_clocks_and_no_english_endings(uow, dispatch):
    ref = open_case(uow, dispatch, submitted_v2(nation="wales"))
    start_duty(uow, ref, "prevention")
    assert view(uow, ref)["clocks"] == []
    ending = commands.EndDuty(ref, OFFICER, "became_homeless", london_today(), "Evicted")
    with pytest.raises(Conflict, match="no wales duty rules"):
        run(uow, decisions.end_duty, ending)
