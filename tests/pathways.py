"""The pathways (workflow keys) the starter content reaches: the same keys in the enquiry form's
triage, the statement bank and the task frameworks (DOMAIN.md "Pathways councils see")."""

PATHWAYS = frozenset(
    {
        "prevention",
        "relief",
        "private_rented_eviction",
        "family_friends_exclusion",
        "domestic_abuse",
        "relationship_breakdown",
        "rough_sleeping",
        "prison_release",
        "hospital_discharge",
        "young_person_16_17",
        "care_leaver",
        "armed_forces",
        "mortgage_arrears",
        "social_housing_eviction",
        "disrepair",
        "asylum_move_on",
        "no_recourse_public_funds",
        "advice_only",
    }
)
