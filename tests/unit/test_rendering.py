import io

from pypdf import PdfReader

from services.documents import rendering
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


def test_renderer_loads_nothing_outside_assets():
    assert rendering._local_assets_only("file:///etc/passwd", "") == ""
    assert rendering._local_assets_only("http://example.com/x.png", "") == ""
    assert rendering._local_assets_only("assets/../../../../etc/passwd", "") == ""


def test_file_store_refuses_paths_outside_its_root(tmp_path):
    store = FileStore(tmp_path)
    path, digest = store.write("case/doc.pdf", b"%PDF")
    assert store.read(path) == b"%PDF" and len(digest) == 64
    try:
        store.write("../escape.pdf", b"x")
    except ValueError as error:
        assert "escapes" in str(error)
    else:
        raise AssertionError("escaping write was allowed")
