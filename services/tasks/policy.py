"""Who may call the tasks service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, OFFICERS, TEAM_LEADER, Policy, rule

TEAM = "an officer only a task of their own team's case"

POLICY = Policy(
    "tasks",
    {
        "list_tasks": rule(OFFICERS, AUDITOR, scope=TEAM),
        "find_tasks": rule(OFFICERS, AUDITOR, scope="an officer finds their own team's work only"),
        "start_task": rule(OFFICERS, scope=TEAM),
        "complete_task": rule(OFFICERS, scope=TEAM),
        "hold_task": rule(OFFICERS, scope=TEAM),
        "release_task": rule(OFFICERS, scope=TEAM),
        "cancel_task": rule(OFFICERS, scope=TEAM),
        "add_task": rule(OFFICERS, scope=TEAM),
        # Moving work between people is a team leader's.
        "reassign_task": rule(TEAM_LEADER, scope=TEAM),
        "add_closure_day": rule(ADMIN),
        "list_closure_days": rule(OFFICERS, ADMIN, AUDITOR),
        # The council's task frameworks are content its administrators look after.
        "list_frameworks": rule(ADMIN),
        "load_frameworks": rule(ADMIN),
    },
)
