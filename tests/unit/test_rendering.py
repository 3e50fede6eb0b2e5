import io
import os
import re

import pytest
from pypdf import PdfReader

from services.documents import rendering
from services.documents.encryption import Keyring
from services.documents.file_store import FileStore

BRANDING = {
    "name": "Test Council",
    "phone": "0300",
    "email": "a@b.cd",
    "colour": "#123456",
    "contact_text": "Call us.",
}


def content(statements):
    return {
        "case_reference": "HO-2026-000042",
        "applicant_name": "Jo Bloggs",
        "workflow_title": "Help to stop you becoming homeless",
        "generated_on": "2026-11-24",
        "answers": {"full_name": "Jo Bloggs", "notice_expiry_date": "2027-01-05"},
        "next_steps": [],
        "sections": [{"key": "act_now", "title": "What to do now", "statements": statements}],
    }


def test_pack_pdf_has_cover_sections_personalisation_and_page_numbers():
    html = rendering.pack_html(
        content(
            [
                {
                    "title": "First statement",
                    "body": "Your notice ends on "
                    "{{ answers.notice_expiry_date | long_date }}.\n\nSecond paragraph.",
                },
                {"title": "Second statement", "body": "Plain advice."},
            ]
        ),
        BRANDING,
    )
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(rendering.html_to_pdf(html))).pages
    )
    assert "Test Council" in text and "HO-2026-000042" in text and "Jo Bloggs" in text
    assert "Your notice ends on 5 January 2027." in text
    assert text.index("First statement") < text.index("Second statement")
    assert "Page 1 of" in text


def test_statement_bodies_cannot_run_code_or_inject_markup():
    hostile = [
        {"title": "a", "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
        {"title": "b", "body": '<img src="file:///etc/passwd"><script>x</script>'},
    ]
    try:
        html = rendering.pack_html(content(hostile[:1]), BRANDING)
    except rendering.RenderFailed as error:
        assert "statement body" in str(error)
    else:
        assert "subclasses" not in html and "<class" not in html
    html = rendering.pack_html(content(hostile[1:]), BRANDING)
    assert "<img" not in html and "&lt;img" in html and "<script>" not in html


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://169.254.169.254/latest/meta-data/",
        "assets/../../../../etc/passwd",
        "../../etc/passwd",
        "/etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "assets/fonts",  # a folder, not a file
    ],
)
def test_renderer_refuses_by_raising_for_anything_outside_assets(uri):
    # An empty answer would make xhtml2pdf fetch the original address itself.
    with pytest.raises(rendering.ResourceRefused):
        rendering._local_assets_only(uri, "")


def test_renderer_answers_for_files_in_the_assets_folder():
    found = rendering._local_assets_only("assets/fonts/DejaVuSans.ttf", "")
    assert found == str(rendering.ASSETS_DIR / "fonts" / "DejaVuSans.ttf")
    assert rendering._local_assets_only(found, "") == found


def test_file_store_refuses_paths_outside_its_root(tmp_path):
    store = FileStore(tmp_path, Keyring([os.urandom(32)]))
    path, digest = store.write("case/doc.pdf", b"%PDF")
    assert store.read(path) == b"%PDF" and len(digest) == 64
    try:
        store.write("../escape.pdf", b"x")
    except ValueError as error:
        assert "escapes" in str(error)
    else:
        raise AssertionError("escaping write was allowed")


from html.parser import HTMLParser  # noqa: E402

UNICODE_NAME = "Siobhán Łódź-Nguyễn"


def pdf_text_and_fonts(pdf: bytes) -> tuple[str, set[str]]:
    """The text, and the fonts that actually show text (reportlab names Helvetica as every
    canvas's initial font even when nothing is written in it)."""
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        names = {
            k: str(v.get_object()["/BaseFont"]) for k, v in page["/Resources"]["/Font"].items()
        }
        stream = page.get_contents().get_data().decode("latin-1")
        runs = re.split(r"(/\S+)\s+[\d.]+\s+Tf", stream)
        for name, run in zip(runs[1::2], runs[2::2], strict=True):
            if re.search(r"\)\s*Tj|\]\s*TJ|>\s*Tj", run):
                fonts.add(names[name])
    return "\n".join(page.extract_text() for page in reader.pages), fonts


def many_statements(count):
    return [{"title": f"Statement {n:02d}", "body": "Some advice. " * 40} for n in range(count)]


def test_unicode_names_print_with_the_embedded_font():
    page = content([{"title": "Hello", "body": "For {{ answers.full_name }}."}])
    page["applicant_name"] = UNICODE_NAME
    page["answers"]["full_name"] = UNICODE_NAME
    text, fonts = pdf_text_and_fonts(rendering.html_to_pdf(rendering.pack_html(page, BRANDING)))
    assert UNICODE_NAME in text and f"For {UNICODE_NAME}." in text
    assert fonts and all("DejaVu" in font for font in fonts), fonts


def test_long_packs_are_paginated_in_order():
    pdf = rendering.html_to_pdf(rendering.pack_html(content(many_statements(60)), BRANDING))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages > 5
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {pages}" in page.extract_text()
    text = " ".join(page.extract_text() for page in reader.pages)
    positions = [text.index(f"Statement {n:02d}") for n in range(60)]
    assert positions == sorted(positions)


def test_a_render_that_warns_fails_loudly():
    html = rendering.pack_html(content([]), BRANDING).replace(
        "<main>", '<main><img src="assets/missing-logo.png" alt="">'
    )
    with pytest.raises(rendering.RenderFailed) as error:
        rendering.html_to_pdf(html)
    assert "missing-logo.png" in str(error.value)


class Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.headings, self.lang, self.nav_labels = [], [], None, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag in ("h1", "h2", "h3", "h4"):
            self.headings.append(int(tag[1]))
        if tag == "nav":
            self.nav_labels.append(attributes.get("aria-label"))


def test_html_edition_is_accessible_structure():
    html = rendering.pack_html(content(many_statements(3)), BRANDING, medium="html")
    outline = Outline()
    outline.feed(html)
    assert outline.lang == "en-GB"
    assert {"header", "main", "nav", "footer", "section", "article"} <= set(outline.tags)
    assert outline.nav_labels == ["Contents"]
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:], strict=False))
    assert "pdf:" not in html and "@font-face" not in html
    assert 'href="#act_now"' in html


def test_letters_are_template_files():
    assert "acknowledgement" in rendering.letter_types()
    letter = {
        "case_reference": "HO-2026-000042",
        "applicant_name": UNICODE_NAME,
        "generated_on": "2026-11-24",
        "answers": {},
    }
    text, _ = pdf_text_and_fonts(
        rendering.html_to_pdf(rendering.letter_html("acknowledgement", letter, BRANDING, "pdf"))
    )
    assert f"Dear {UNICODE_NAME}," in text and "HO-2026-000042" in text
    with pytest.raises(rendering.RenderFailed):
        rendering.letter_html("../pack", letter, BRANDING, "pdf")


def test_council_logo_comes_from_the_assets_folder_only():
    branded = {**BRANDING, "logo": "example-logo.png"}
    pdf = rendering.html_to_pdf(rendering.pack_html(content([]), branded))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    web = rendering.pack_html(content([]), branded, medium="html")
    assert 'src="data:image/png;base64,' in web and 'alt="Test Council"' in web
    for outside in ("../../../../etc/passwd", "missing.png"):
        with pytest.raises(rendering.RenderFailed):
            rendering.pack_html(content([]), {**BRANDING, "logo": outside})
