"""Who may call the advice service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, OFFICERS, Policy, rule

POLICY = Policy(
    "advice",
    {
        # Matching answers that are given in the request: officers trying the rules, and the
        # statement bank's editors.
        "match": rule(OFFICERS, ADMIN),
        "explain_statement": rule(OFFICERS, ADMIN, AUDITOR),
        "save_statement": rule(ADMIN),
        # Trying a statement as drafted, before saving it, on answers given in the request (as
        # match): the bank's editors, and officers trying a change on a case of theirs.
        "preview_statement": rule(OFFICERS, ADMIN),
        "get_statement": rule(OFFICERS, ADMIN, AUDITOR),
        "list_statements": rule(OFFICERS, ADMIN, AUDITOR),
        "list_workflows": rule(OFFICERS, ADMIN, AUDITOR),
    },
)
