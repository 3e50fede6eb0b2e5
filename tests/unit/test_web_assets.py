"""The GOV.UK Frontend files the pages serve are the version package.json pins, unchanged
(``make web-assets`` copies them from the npm registry's package and writes their manifest)."""

from scripts import web_assets


def test_the_committed_assets_are_the_pinned_govuk_frontend():
    assert web_assets.check() == []
    assert web_assets.pinned_version().startswith("6.")


def test_the_page_environment_finds_govuk_frontends_macros_for_every_field_type():
    from services.gateway.web.rendering import environment

    for component in ("radios", "checkboxes", "date-input", "input", "error-summary"):
        environment.get_template(f"govuk_frontend_jinja/components/{component}/macro.html")
