"""Who may call the tasks service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, OFFICERS, TEAM_LEADER, Policy, rule

POLICY = Policy(
    "tasks",
    {
        "list_tasks": rule(OFFICERS, AUDITOR),
        "find_tasks": rule(OFFICERS, AUDITOR),
        "start_task": rule(OFFICERS),
        "complete_task": rule(OFFICERS),
        "hold_task": rule(OFFICERS),
        "release_task": rule(OFFICERS),
        "cancel_task": rule(OFFICERS),
        "add_task": rule(OFFICERS),
        # Moving work between people is a team leader's.
        "reassign_task": rule(TEAM_LEADER),
        "add_closure_day": rule(ADMIN),
        "list_closure_days": rule(OFFICERS, ADMIN, AUDITOR),
    },
)
