"""Who may call the documents service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, CUSTOMER, OFFICERS, Policy, rule

OWN_CASE = (
    "a customer only the documents of their own case; an officer of their own team's; audited"
)

POLICY = Policy(
    "documents",
    {
        "get_document": rule(CUSTOMER, OFFICERS, AUDITOR, scope=OWN_CASE),
        "list_documents": rule(CUSTOMER, OFFICERS, AUDITOR, scope=OWN_CASE),
        "regenerate": rule(OFFICERS, scope="an officer only for their own team's case"),
        "list_letter_types": rule(OFFICERS, ADMIN),
    },
)
