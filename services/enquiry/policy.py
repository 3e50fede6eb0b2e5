"""Who may call the enquiry service (docs/security.md prints this table)."""

from __future__ import annotations

from shared.authorisation import ADMIN, AUDITOR, CUSTOMER, OFFICERS, Policy, rule

OWN_ENQUIRY = "a customer only an enquiry they started or their token names"

POLICY = Policy(
    "enquiry",
    {
        # The form is public: the customer needs it to apply.
        "get_template": rule(CUSTOMER, OFFICERS, ADMIN),
        "list_templates": rule(OFFICERS, ADMIN),
        "publish_template": rule(ADMIN),
        "start_enquiry": rule(
            CUSTOMER, OFFICERS, scope=f"prefill from another enquiry: {OWN_ENQUIRY}"
        ),
        "save_answers": rule(CUSTOMER, OFFICERS, scope=OWN_ENQUIRY),
        "submit_enquiry": rule(CUSTOMER, OFFICERS, scope=OWN_ENQUIRY),
        "change_workflow": rule(OFFICERS),
        "get_enquiry": rule(CUSTOMER, OFFICERS, AUDITOR, scope=f"{OWN_ENQUIRY}; audited"),
    },
)
