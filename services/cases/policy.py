"""Who may call the cases service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, CUSTOMER, OFFICERS, TEAM_LEADER, Policy, rule

TEAM = "an officer only a case of their own team"
OWN_CASE = "a customer only their own case, without officers' notes or internal fields"

POLICY = Policy(
    "cases",
    {
        "get_case": rule(CUSTOMER, OFFICERS, AUDITOR, scope=f"{OWN_CASE}; {TEAM}; audited"),
        "get_case_for_enquiry": rule(CUSTOMER, OFFICERS, AUDITOR, scope=f"{OWN_CASE}; {TEAM}"),
        "list_cases": rule(OFFICERS, AUDITOR, scope="an officer only their team's; audited"),
        "change_stage": rule(OFFICERS, scope=TEAM),
        "close_case": rule(OFFICERS, scope=TEAM),
        "reopen_case": rule(OFFICERS, scope=TEAM),
        # Giving a case to someone else is a team leader's; so is the second signature on a
        # non-cooperation notice.
        "assign_case": rule(TEAM_LEADER, scope=TEAM),
        "add_note": rule(OFFICERS, scope=TEAM),
        "end_duty": rule(OFFICERS, scope=TEAM),
        "record_plan_decision": rule(OFFICERS, scope=TEAM),
        "propose_non_cooperation_notice": rule(OFFICERS, scope=TEAM),
        "authorise_non_cooperation_notice": rule(TEAM_LEADER, scope=TEAM),
        "record_findings": rule(OFFICERS, scope=TEAM),
        "correct_clock_start": rule(OFFICERS, scope=TEAM),
        "cases_affected_by_law_change": rule(TEAM_LEADER, ADMIN, AUDITOR),
        "get_timeline": rule(OFFICERS, AUDITOR, scope=f"{TEAM}; audited"),
        "verify_timeline": rule(TEAM_LEADER, AUDITOR),
    },
)
