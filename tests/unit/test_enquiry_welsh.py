"""A question template's Welsh (services/enquiry/template_welsh.py): all of the form's words or
none, each Welsh text beside its English, every problem named by its path; and the starter
form's version 3, which is version 2 with its Welsh."""

import copy
from pathlib import Path

import pytest

from services.enquiry import domain, template_welsh
from services.enquiry.seed import read_template_file

SEED = Path(__file__).resolve().parents[2] / "services/enquiry/seed"
V2 = read_template_file(SEED / "starter_template_v2.yaml")
V3 = read_template_file(SEED / "starter_template_v3.yaml")


def welsh_form() -> dict:
    """A small template with all its Welsh."""
    return {
        "key": "t",
        "title": "Housing form",
        "title_cy": "Ffurflen dai",
        "sections": [
            {
                "key": "s",
                "title": "About you",
                "title_cy": "Amdanoch chi",
                "questions": [
                    {"key": "name", "type": "text", "label": "Name", "label_cy": "Enw"},
                    {
                        "key": "pets",
                        "type": "boolean",
                        "label": "Do you have pets?",
                        "label_cy": "Oes gennych chi anifeiliaid anwes?",
                        "help": "Any kind.",
                        "help_cy": "Unrhyw fath.",
                    },
                    {
                        "key": "tenure",
                        "type": "single_choice",
                        "label": "Where do you live?",
                        "label_cy": "Ble rydych chi'n byw?",
                        "options": [
                            {"value": "rent", "label": "I rent", "label_cy": "Rwy'n rhentu"},
                            {"value": "own", "label": "I own", "label_cy": "Rwy'n berchen"},
                        ],
                    },
                ],
            }
        ],
        "default_workflow": "advice_only",
    }


def problems(template: dict) -> dict[str, list[str]]:
    """The template's problems, without the law checks (council_nation None, and the test
    templates declare no law)."""
    return domain.check_template(template, None, allow_legacy=True)


def test_a_template_with_all_its_welsh_is_valid():
    assert template_welsh.has_welsh(welsh_form())
    assert problems(welsh_form()) == {}


def test_a_template_without_welsh_is_checked_as_before():
    english = welsh_form()
    for _prefix, _kind, part in list(template_welsh.parts(english)):
        for name in [n for n in part if n.endswith("_cy")]:
            del part[name]
    assert not template_welsh.has_welsh(english)
    assert problems(english) == {}
    # Without Welsh, the English is as lax as the versions already published.
    english["sections"][0]["questions"][2]["options"][0]["label"] = True
    assert problems(english) == {}


def test_welsh_is_all_or_nothing_and_each_missing_text_is_named_by_its_path():
    form = welsh_form()
    del form["sections"][0]["title_cy"]
    del form["sections"][0]["questions"][1]["help_cy"]
    del form["sections"][0]["questions"][2]["options"][1]["label_cy"]
    found = problems(form)
    assert set(found) == {
        "sections[0].title_cy",
        "sections[0].questions[1].help_cy",
        "sections[0].questions[2].options[1].label_cy",
    }
    assert all(m[0].startswith("missing: the template is in Welsh") for m in found.values())
    assert (
        "every option's label needs its Welsh"
        in found["sections[0].questions[2].options[1].label_cy"][0]
    )


def test_one_welsh_text_makes_the_whole_template_welsh():
    form = welsh_form()
    for _prefix, _kind, part in list(template_welsh.parts(form)):
        for name in [n for n in part if n.endswith("_cy")]:
            del part[name]
    form["sections"][0]["questions"][0]["label_cy"] = "Enw"
    assert set(problems(form)) == {
        "title_cy",
        "sections[0].title_cy",
        "sections[0].questions[1].label_cy",
        "sections[0].questions[1].help_cy",
        "sections[0].questions[2].label_cy",
        "sections[0].questions[2].options[0].label_cy",
        "sections[0].questions[2].options[1].label_cy",
    }


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda f: f.update(title_cy=7), "title_cy", "must be text, not int 7"),
        (lambda f: f.update(title_cy="   "), "title_cy", "must not be empty"),
        (lambda f: f.update(title_cy="x" * 201), "title_cy", "at most 200 characters"),
        (
            lambda f: f["sections"][0]["questions"][2]["options"][0].update(label_cy=True),
            "sections[0].questions[2].options[0].label_cy",
            "must be text, not bool True",
        ),
        (
            lambda f: f["sections"][0]["questions"][2]["options"][1].update(label=False),
            "sections[0].questions[2].options[1].label",
            "must be text, not bool False",
        ),
        (
            lambda f: f["sections"][0]["questions"][0].update(help_cy="Eich enw"),
            "sections[0].questions[0].help_cy",
            "Welsh with no English: give the help too",
        ),
        (
            lambda f: f["sections"][0]["questions"][0].update(title_cy="Enw"),
            "sections[0].questions[0].title_cy",
            "not a field of a question: its Welsh is label_cy and help_cy",
        ),
        (
            lambda f: f["sections"][0].update(label_cy="Amdanoch chi"),
            "sections[0].label_cy",
            "not a field of a section: its Welsh is title_cy",
        ),
        (
            lambda f: f["sections"][0]["questions"][2]["options"][0].update(
                {"label": "I rent from a landlord", "or an agent": None}
            ),
            "sections[0].questions[2].options[0].or an agent",
            "not a field of an option (value, label, label_cy)",
        ),
        (
            lambda f: f["sections"][0]["questions"][0].pop("label"),
            "sections[0].questions[0].label_cy",
            "Welsh with no English",
        ),
    ],
)
def test_each_wrong_welsh_field_is_named_by_its_path(change, path, message):
    form = welsh_form()
    change(form)
    found = problems(form)
    assert path in found, found
    assert found[path][0].startswith(message), found[path]


def test_a_welsh_form_needs_a_label_on_every_question_and_option():
    form = welsh_form()
    question = form["sections"][0]["questions"][1]
    del question["label"], question["label_cy"]
    option = form["sections"][0]["questions"][2]["options"][0]
    del option["label"], option["label_cy"]
    found = problems(form)
    assert found["sections[0].questions[1].label"] == [
        "required: every question of a form in Welsh has its label"
    ]
    assert found["sections[0].questions[2].options[0].label"] == [
        "required: every option of a form in Welsh has its label"
    ]


def test_welsh_problems_come_after_the_structure_is_sound():
    form = welsh_form()
    form["sections"] = "none"
    assert set(problems(form)) == {"template"}


# --- the starter form, version 3 ----------------------------------------------------------------


def without_welsh(template: dict) -> dict:
    stripped = copy.deepcopy(template)
    for _prefix, _kind, part in list(template_welsh.parts(stripped)):
        for name in [n for n in part if isinstance(n, str) and n.endswith("_cy")]:
            del part[name]
    return stripped


def test_starter_version_3_is_valid_and_all_in_welsh():
    assert domain.check_template(V3, "england") == {}
    assert template_welsh.has_welsh(V3)
    assert V3["title_cy"] and all(s["title_cy"] for s in V3["sections"])


def test_starter_version_3_is_version_2_with_its_welsh():
    """Same questions, types, option values, conditions, roles (one more), triage and duties:
    only words change, so every test of version 2's meaning holds for version 3, and the
    advice service's copy of the questions still matches."""
    new, old = without_welsh(V3), copy.deepcopy(V2)
    assert (new.pop("version"), old.pop("version")) == (3, 2)
    new_sections, old_sections = new.pop("sections"), old.pop("sections")
    # Version 3 also names the postcode question's role, so officers find a case by postcode.
    assert new["roles"].pop("applicant_postcode") == "postcode"
    assert new == old
    assert [s["key"] for s in new_sections] == [s["key"] for s in old_sections]
    for new_section, old_section in zip(new_sections, old_sections, strict=True):
        assert new_section["title"] == old_section["title"]
        for new_q, old_q in zip(new_section["questions"], old_section["questions"], strict=True):
            values = [o["value"] for o in new_q.get("options", [])]
            assert values == [o["value"] for o in old_q.get("options", [])]
            unchanged = {k: v for k, v in new_q.items() if k != "options"}
            assert unchanged == {k: v for k, v in old_q.items() if k != "options"}


def test_starter_version_3_mends_the_option_labels_version_2_lost_to_yaml():
    """In version 2, an unquoted comma inside {...} cut labels short, and "Yes, ..." and "No"
    were read as true and false: version 3's options are text, whole."""
    options = [o for q in domain.questions(V3) for o in q.get("options", [])]
    assert all(set(o) == {"value", "label", "label_cy"} for o in options)
    assert all(isinstance(o["label"], str) for o in options)
    armed = next(q for q in domain.questions(V3) if q["key"] == "armed_forces")
    assert [o["label"] for o in armed["options"]][-1] == "No"
    assert [o["label_cy"] for o in armed["options"]][-1] == "Nac ydw"
    broken = [
        o
        for q in domain.questions(V2)
        for o in q.get("options", [])
        if len(o) != 2 or not isinstance(o["label"], str)
    ]
    assert len(broken) == 8  # why version 2 stays as it is, and version 3 exists
