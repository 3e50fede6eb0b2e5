"""Template version 2: the law a template declares (nation, effective dates, roles), checked at
publish; roles resolved at submission; the notice check; suggested duty; the event upcaster."""

import copy
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.demo import sample_answers
from services.enquiry import domain, template_law
from shared import law
from shared.contracts import upcast_enquiry_submitted
from shared.errors import ValidationFailed
from tests.pathways import PATHWAYS

SEED = Path(__file__).resolve().parents[2] / "services/enquiry/seed"
V1 = yaml.safe_load((SEED / "starter_template.yaml").read_text())
V2 = yaml.safe_load((SEED / "starter_template_v2.yaml").read_text())
TODAY = date(2026, 11, 25)


def v2(**changes):
    template = copy.deepcopy(V2)
    template.update(changes)
    return template


def question(template, key):
    return next(q for q in domain.questions(template) if q["key"] == key)


def errors_of(template, council="england"):
    return domain.check_template(template, council)


# --- the shipped template ------------------------------------------------------------------------


def test_starter_template_v2_is_valid_for_an_english_council():
    assert errors_of(V2) == {}
    assert domain.workflows(V2) == PATHWAYS


def test_starter_template_v1_is_legacy_england_with_full_name_as_the_applicant():
    assert domain.check_template(V1, "england", allow_legacy=True) == {}
    terms = template_law.template_law(V1)
    assert (terms.nation, dict(terms.roles)) == ("england", {"applicant_name": "full_name"})
    # A new publish must declare its law: the same content is refused without allow_legacy.
    refused = domain.check_template(V1, "england")
    assert {"nation", "effective_from", "roles"} <= set(refused)


def test_notice_type_options_are_the_england_law_in_force_plus_other_and_not_sure():
    packs = template_law.packs_in_force("england", date(2026, 5, 1), None)
    assert packs and all(p.nation == "england" for p in packs)
    allowed = {key for p in packs for key in p.notice_types} | {"other", "not_sure"}
    options = [o["value"] for o in question(V2, "notice_type")["options"]]
    assert set(options) <= allowed
    assert "section_8" in options


# --- publish checks: each a field-named error ----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"nation": "narnia"}, "nation", "not a nation"),
        ({"nation": None}, "nation", "not a nation"),
        ({"nation": "wales"}, "nation", "follows the law of england"),
        ({"effective_from": None}, "effective_from", "required"),
        ({"effective_from": "1st May"}, "effective_from", "YYYY-MM-DD"),
        ({"effective_from": date(2026, 5, 1)}, "effective_from", "YYYY-MM-DD"),
        ({"effective_to": "2026-04-30"}, "effective_to", "before effective_from"),
        ({"effective_to": "soon"}, "effective_to", "YYYY-MM-DD"),
        (
            {"effective_from": "1900-01-01", "effective_to": "1900-12-31"},
            "effective_from",
            "no england law",
        ),
        ({"roles": ["full_name"]}, "roles", "must map each role"),
        ({"roles": None}, "roles", "must map each role"),
    ],
)
def test_nation_and_dates_are_checked_by_field(changes, field, words):
    errors = errors_of(v2(**changes))
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


def with_roles(**roles):
    template = v2()
    template["roles"] = {**template["roles"], **roles}
    return {k: v for k, v in template.items()}


def without_roles(*names):
    template = v2()
    template["roles"] = {k: v for k, v in template["roles"].items() if k not in names}
    return template


@pytest.mark.parametrize(
    ("template", "field", "words"),
    [
        (with_roles(favourite_colour="full_name"), "roles.favourite_colour", "unknown role"),
        (with_roles(release_date="when_out"), "roles.release_date", "unknown question"),
        (with_roles(release_date=["release_date"]), "roles.release_date", "unknown question"),
        (with_roles(applicant_name="notice_served_date"), "roles.applicant_name", "text"),
        (with_roles(notice_served_on="full_name"), "roles.notice_served_on", "date"),
        (with_roles(contact_email="phone"), "roles.contact_email", "email"),
        (with_roles(age_band="household_adults"), "roles.age_band", "single_choice"),
        (without_roles("applicant_name"), "roles.applicant_name", "required"),
        (without_roles("notice_leave_on"), "roles.notice_leave_on", "other notice roles"),
        (without_roles("notice_type"), "roles.notice_type", "other notice roles"),
    ],
)
def test_roles_are_checked_by_role(template, field, words):
    errors = errors_of(template)
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


def test_a_template_may_have_no_notice_roles_at_all_but_then_none_of_them():
    notice_roles = [*template_law.NOTICE_ROLES, "tenancy_started_on"]
    assert errors_of(without_roles(*notice_roles)) == {}
    assert errors_of(without_roles("tenancy_started_on")) == {}


def test_notice_type_options_must_be_notice_types_of_the_law_in_force():
    template = v2()
    question(template, "notice_type")["options"].append({"value": "notice_to_leave"})
    errors = errors_of(template)
    assert list(errors) == ["roles.notice_type"]
    assert "notice_to_leave" in errors["roles.notice_type"][0]


def test_notice_ground_options_must_be_grounds_of_the_law_in_force():
    template = v2()
    question(template, "notice_ground")["options"].append({"value": "ground_99"})
    errors = errors_of(template)
    assert list(errors) == ["roles.notice_ground"]
    assert "ground_99" in errors["roles.notice_ground"][0]


def test_a_question_may_not_take_the_name_of_a_derived_fact():
    template = v2()
    template["sections"][0]["questions"].append({"key": "threatened_by_notice", "type": "text"})
    errors = errors_of(template)
    assert "reserved" in errors["threatened_by_notice"][0]


def test_rules_may_use_derived_facts_and_computed_dates_as_declared():
    template = v2()
    template["triage"].insert(0, {"workflow": "x", "when": {"eq": ["notice_verdict", "maybe"]}})
    template["duty_triage"].insert(0, {"duty": "relief", "when": {"eq": ["nope", True]}})
    template["duty_triage"].append({"duty": "someday", "when": True})
    template["triage"].append(
        {"workflow": "y", "when": {"gt": ["asylum_support_ends_on", 3]}},
    )
    errors = errors_of(template)
    assert "'maybe' is not one of its options" in errors["triage[0]"][0]
    assert "unknown question 'nope'" in errors["duty_triage[0]"][0]
    assert "duty must be one of" in errors[f"duty_triage[{len(template['duty_triage']) - 1}]"][0]
    assert "needs a number question" in errors[f"triage[{len(template['triage']) - 1}]"][0]


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ({"key": "ends", "from": "full_name", "add_days": 28}, "date question"),
        ({"key": "ends", "from": "asylum_decision_date", "add_days": -1}, "add_days"),
        ({"key": "ends", "from": "asylum_decision_date", "add_days": True}, "add_days"),
        ({"key": "tenure", "from": "asylum_decision_date", "add_days": 1}, "already"),
        ({"key": "Not Snake", "from": "asylum_decision_date", "add_days": 1}, "snake_case"),
        ("28 days", "must be an object"),
    ],
)
def test_computed_dates_are_checked(item, words):
    errors = errors_of(v2(computed_dates=[item]))
    assert "computed_dates[0]" in errors, errors
    assert any(words in message for message in errors["computed_dates[0]"])


def test_duty_triage_and_default_duty_shapes_are_checked():
    assert (
        "duty_triage must be a list"
        in errors_of(v2(duty_triage={"duty": "relief"}))["template"][-1]
    )
    assert "default_duty must be one of" in errors_of(v2(default_duty="main"))["template"][0]


def test_without_a_council_to_compare_the_nation_is_still_checked():
    assert domain.check_template(v2(nation="wales"), None).get("nation") is None
    assert "not a nation" in domain.check_template(v2(nation="mars"), None)["nation"][0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=8,
)
LAW_FIELDS = ["nation", "effective_from", "effective_to", "roles", "computed_dates"]
LAW_FIELDS += ["duty_triage", "default_duty"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(LAW_FIELDS), json_values, min_size=1), st.data())
def test_any_law_declaration_gets_field_errors_never_an_exception(changes, data):
    template = v2(**changes)
    if data.draw(st.booleans()):
        role = data.draw(st.sampled_from(sorted(template_law.ROLE_TYPES)))
        if isinstance(template.get("roles"), dict):
            template["roles"][role] = data.draw(json_values)
    question(template, "notice_type")["options"] = data.draw(
        st.lists(st.one_of(json_values, st.fixed_dictionaries({"value": json_values})))
    )
    errors = domain.check_template(template, data.draw(st.sampled_from([None, *law.NATIONS])))
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)


# --- roles and the notice check at submission ----------------------------------------------------


def test_roles_resolve_to_the_answers():
    answers = sample_answers(TODAY)
    roles = template_law.resolve_roles(V2, answers)
    assert roles["applicant_name"] == "Siobhan Kowalski"
    assert roles["notice_type"] == "section_8"
    assert roles["notice_served_on"] == answers["notice_served_date"]
    assert roles["release_date"] is None
    assert set(roles) == set(V2["roles"])
    assert template_law.resolve_roles(V1, {"full_name": "Jo"}) == {"applicant_name": "Jo"}


def test_the_sample_notice_is_a_section_8_that_makes_the_applicant_threatened():
    assessment, problems = domain.assess(V2, sample_answers(TODAY), TODAY)
    assert problems == {}
    assert assessment.nation == "england"
    assert assessment.notice_check.notice_type == "section_8"
    assert assessment.notice_check.verdict == "can_be_valid"
    assert assessment.derived["threatened_by_notice"] is True
    assert set(assessment.derived) <= set(law.DERIVED_FACTS)
    assert (assessment.workflow, assessment.suggested_duty) == (
        "private_rented_eviction",
        "prevention",
    )


@pytest.mark.parametrize(
    ("changes", "question_key"),
    [
        # The date on the notice before the day it was served.
        (
            {"notice_expiry_date": "2026-11-01", "notice_served_date": "2026-11-10"},
            "notice_expiry_date",
        ),
        # Served in the future.
        (
            {"notice_served_date": "2026-12-01", "notice_expiry_date": "2027-01-15"},
            "notice_served_date",
        ),
        # A tenancy that began after its notice was served.
        ({"tenancy_start_date": "2026-11-20"}, "tenancy_start_date"),
        # Kinds of notice and grounds that did not exist on the day it was served.
        (
            {
                "notice_type": "section_21_social_housing",
                "notice_ground": None,
                "notice_served_date": "2026-04-20",
                "notice_expiry_date": "2026-06-22",
            },
            "notice_type",
        ),
        (
            {
                "notice_ground": "ground_1a",
                "notice_served_date": "2026-04-20",
                "notice_expiry_date": "2026-08-21",
            },
            "notice_ground",
        ),
    ],
)
def test_contradictory_notice_dates_are_refused_naming_the_question(changes, question_key):
    answers = {**sample_answers(TODAY), **changes}
    assessment, problems = domain.assess(V2, answers, TODAY)
    assert assessment is None
    assert list(problems) == [question_key]


def test_a_notice_the_customer_cannot_name_is_unclear_not_refused():
    answers = {**sample_answers(TODAY), "notice_type": "not_sure"}
    answers.pop("notice_ground")
    assessment, problems = domain.assess(V2, answers, TODAY)
    assert problems == {} and assessment.notice_check.verdict == "unclear"
    answers = {**sample_answers(TODAY), "notice_ground": "not_sure"}
    assessment, problems = domain.assess(V2, answers, TODAY)
    assert problems == {} and assessment.notice_check.ground is None


def test_an_old_section_21_served_before_may_2026_no_longer_threatens_in_november():
    answers = {
        **sample_answers(TODAY),
        "notice_type": "section_21",
        "notice_served_date": "2026-04-20",
        "notice_expiry_date": "2026-06-21",
        "tenancy_start_date": "2024-01-01",
    }
    answers.pop("notice_ground")
    assessment, problems = domain.assess(V2, answers, TODAY)
    assert problems == {}
    assert assessment.derived.get("threatened_by_notice") is not True
    assert assessment.suggested_duty == "none"


def test_a_notice_older_than_any_law_the_suite_knows_is_not_refused():
    answers = {
        **sample_answers(TODAY),
        "notice_served_date": "2019-03-01",
        "notice_expiry_date": "2019-05-01",
        "tenancy_start_date": "2018-01-01",
    }
    assessment, problems = domain.assess(V2, answers, TODAY)
    assert problems == {}
    assert assessment.notice_check is None or assessment.notice_check.verdict == "unclear"
    assert assessment.derived.get("threatened_by_notice") is not True


def test_no_notice_no_check_and_no_derived_facts():
    answers = {**sample_answers(TODAY), "has_notice": False}
    cleaned, errors = domain.validate_answers(V2, answers, TODAY)
    assert errors == {}
    assessment, problems = domain.assess(V2, cleaned, TODAY)
    assert problems == {} and assessment.notice_check is None and assessment.derived == {}
    assert assessment.suggested_duty == "none" and assessment.workflow == "advice_only"


def test_a_legacy_template_gets_no_check_and_no_duty():
    answers = {"full_name": "Jo", "has_notice": True, "notice_type": "section_21"}
    assessment, problems = domain.assess(V1, answers, TODAY)
    assert problems == {}
    assert (assessment.nation, assessment.suggested_duty) == ("england", "none")
    assert assessment.notice_check is None and assessment.roles == {"applicant_name": "Jo"}


# --- the pathways and the asylum move-on period --------------------------------------------------


def base_answers():
    """Someone with no particular situation: advice only, no duty."""
    return {
        "full_name": "A Person",
        "age_band": "aged_25_or_over",
        "postcode": "M1 1AE",
        "household_adults": 1,
        "immigration_status": "british_or_irish",
        "tenure": "owner_outright",
        "homeless_tonight": False,
        "relationship_ending": False,
        "home_unsafe": False,
        "fleeing_violence": False,
        "armed_forces": "never",
        "referral_source": "self",
    }


def days(n):
    return (TODAY + timedelta(days=n)).isoformat()


TRIAGE_EXAMPLES = [
    ({}, "advice_only", "none"),
    ({"fleeing_violence": True}, "domestic_abuse", "relief"),
    ({"age_band": "aged_16_17", "care_leaver": False}, "young_person_16_17", "none"),
    ({"immigration_status": "asylum_seeker"}, "no_recourse_public_funds", "none"),
    (
        {"tenure": "no_fixed_abode", "homeless_tonight": True, "rough_sleeping": True},
        "rough_sleeping",
        "relief",
    ),
    ({"tenure": "prison", "release_date": days(20)}, "prison_release", "prevention"),
    ({"tenure": "prison", "release_date": days(0)}, "prison_release", "relief"),
    ({"tenure": "prison"}, "prison_release", "none"),
    ({"tenure": "hospital", "discharge_date": days(3)}, "hospital_discharge", "prevention"),
    ({"age_band": "aged_18_20", "care_leaver": True}, "care_leaver", "none"),
    ({"armed_forces": "left_within_5_years"}, "armed_forces", "none"),
    (
        {
            "immigration_status": "refugee_or_humanitarian_protection",
            "tenure": "asylum_accommodation",
            "asylum_decision_date": days(-10),
        },
        "asylum_move_on",
        "prevention",
    ),
    (
        {
            "immigration_status": "refugee_or_humanitarian_protection",
            "tenure": "asylum_accommodation",
            "asylum_decision_date": days(-40),
        },
        "asylum_move_on",
        "relief",
    ),
    (
        {
            "tenure": "living_with_family_or_friends",
            "asked_to_leave": True,
            "must_leave_date": days(14),
        },
        "family_friends_exclusion",
        "prevention",
    ),
    (
        {
            "tenure": "living_with_family_or_friends",
            "asked_to_leave": True,
            "must_leave_date": days(-1),
        },
        "family_friends_exclusion",
        "relief",
    ),
    (
        {
            "tenure": "living_with_family_or_friends",
            "asked_to_leave": True,
            "must_leave_date": days(56),
        },
        "family_friends_exclusion",
        "none",
    ),
    (
        {
            "tenure": "social_rented",
            "has_notice": True,
            "notice_type": "other",
            "notice_served_date": days(-3),
        },
        "social_housing_eviction",
        "none",
    ),
    (
        {
            "tenure": "owner_occupier_mortgage",
            "mortgage_arrears": True,
            "possession_date": days(30),
        },
        "mortgage_arrears",
        "prevention",
    ),
    (
        {
            "tenure": "private_rented",
            "has_notice": True,
            "notice_type": "section_8",
            "notice_ground": "ground_8",
            "notice_served_date": days(-9),
            "notice_expiry_date": days(21),
            "tenancy_start_date": days(-800),
        },
        "private_rented_eviction",
        "prevention",
    ),
    # Ground 8 needs 4 weeks' notice: a week is too short, so the notice cannot threaten.
    (
        {
            "tenure": "private_rented",
            "has_notice": True,
            "notice_type": "section_8",
            "notice_ground": "ground_8",
            "notice_served_date": days(-2),
            "notice_expiry_date": days(5),
            "tenancy_start_date": days(-800),
        },
        "private_rented_eviction",
        "none",
    ),
    # A decision long ago, for someone no longer in Home Office accommodation: no duty from it.
    (
        {
            "immigration_status": "refugee_or_humanitarian_protection",
            "asylum_decision_date": days(-400),
            "tenure": "private_rented",
            "has_notice": False,
        },
        "advice_only",
        "none",
    ),
    (
        {
            "immigration_status": "refugee_or_humanitarian_protection",
            "asylum_decision_date": days(-5),
            "tenure": "living_with_family_or_friends",
            "asked_to_leave": False,
        },
        "asylum_move_on",
        "none",
    ),
    ({"relationship_ending": True}, "relationship_breakdown", "none"),
    ({"home_unsafe": True}, "disrepair", "none"),
    (
        {
            "tenure": "other",
            "homeless_tonight": True,
            "rough_sleeping": False,
            "asked_to_leave": False,
        },
        "relief",
        "relief",
    ),
    (
        {"tenure": "temporary_accommodation", "asked_to_leave": True, "must_leave_date": days(55)},
        "prevention",
        "prevention",
    ),
]


@pytest.mark.parametrize(("changes", "workflow", "duty"), TRIAGE_EXAMPLES)
def test_every_pathway_is_reached_with_its_suggested_duty(changes, workflow, duty):
    cleaned, errors = domain.validate_answers(V2, {**base_answers(), **changes}, TODAY)
    assert errors == {}
    assessment, problems = domain.assess(V2, cleaned, TODAY)
    assert problems == {}
    assert (assessment.workflow, assessment.suggested_duty) == (workflow, duty)


def test_the_pathway_table_reaches_every_workflow_of_the_contract():
    assert {workflow for _, workflow, _ in TRIAGE_EXAMPLES} == PATHWAYS


def test_the_move_on_period_is_the_templates_number_not_the_codes():
    template = v2()
    template["computed_dates"][0]["add_days"] = 56
    answers = {
        **base_answers(),
        "immigration_status": "refugee_or_humanitarian_protection",
        "tenure": "asylum_accommodation",
        "asylum_decision_date": days(-40),
    }
    assert template_law.computed_dates(template, answers) == {"asylum_support_ends_on": days(16)}
    assessment, _ = domain.assess(template, answers, TODAY)
    assert assessment.suggested_duty == "prevention"
    assessment, _ = domain.assess(V2, answers, TODAY)
    assert assessment.suggested_duty == "relief"


# --- the event upcaster --------------------------------------------------------------------------


def test_version_1_events_are_upcast_to_version_2():
    v1 = {
        "enquiry_id": "e-1",
        "template": {"key": "housing-options-enquiry", "version": 1},
        "workflow": "prevention",
        "workflow_source": "triage",
        "answers": {"full_name": "Jo Bloggs", "has_notice": True},
        "submitted_at": "2026-11-24T10:00:00Z",
    }
    upcast = upcast_enquiry_submitted(v1, 1)
    assert upcast == {
        **v1,
        "nation": "england",
        "roles": {"applicant_name": "Jo Bloggs"},
        "suggested_duty": "none",
        "notice_check": None,
        "derived": {},
    }
    assert upcast_enquiry_submitted({**v1, "answers": {}}, 1)["roles"] == {"applicant_name": None}
    # Malformed answers are left for the consumer's schema to report.
    assert upcast_enquiry_submitted({"enquiry_id": "x"}, 1)["roles"] == {"applicant_name": None}


def test_version_2_events_pass_through_and_unknown_versions_are_refused():
    data = {"enquiry_id": "e-2", "nation": "england", "roles": {"applicant_name": "A"}}
    assert upcast_enquiry_submitted(data, 2) is data
    with pytest.raises(ValidationFailed) as error:
        upcast_enquiry_submitted(data, 3)
    assert list(error.value.field_errors) == ["version"]
