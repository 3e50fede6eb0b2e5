"""How long does a customer information pack take to render? Times the whole path the documents
service runs (sandboxed statement bodies, the pack template, xhtml2pdf with the embedded font)
for a 10-statement and a 60-statement pack, and reports time per pack, per page and pages/s.

    python benchmarks/pack_render.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import yaml
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.demo import sample_answers  # noqa: E402
from services.documents import rendering  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BANK = yaml.safe_load((ROOT / "services/advice/seed/statement_bank.yaml").read_text())
BRANDING = {
    "name": "Example Borough Council",
    "phone": "0300 555 0100",
    "email": "housing.options@example.gov.uk",
    "colour": "#1d4f91",
    "contact_text": "Our housing options team is open Monday to Friday, 9am to 5pm.",
}


def content(count: int) -> dict:
    """``count`` statements from the starter bank (repeated if needed), grouped by section."""
    statements = [BANK["statements"][i % len(BANK["statements"])] for i in range(count)]
    titles = {s["key"]: s["title"] for s in BANK["sections"]}
    sections = []
    for key, title in titles.items():
        chosen = [s for s in statements if s["section"] == key]
        if chosen:
            sections.append({"key": key, "title": title, "statements": chosen})
    answers = {**sample_answers(), "full_name": "Siobhán Łódź-Nguyễn"}
    return {
        "case_reference": "HO-2026-000001",
        "applicant_name": answers["full_name"],
        "workflow_title": "Help if your private landlord wants you to leave",
        "generated_on": "2026-11-24",
        "answers": answers,
        "next_steps": [],
        "sections": sections,
    }


def measure(count: int, repeat: int) -> tuple[float, int]:
    timings, pages = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        pdf = rendering.html_to_pdf(rendering.pack_html(content(count), BRANDING))
        timings.append(time.perf_counter() - start)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    return statistics.median(timings), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    measure(10, 1)  # warm up: fonts and templates load once per process
    for count in (10, 60):
        seconds, pages = measure(count, args.repeat)
        print(
            f"{count:3d} statements: {pages:3d} pages, {seconds * 1000:7.1f} ms per pack, "
            f"{seconds / pages * 1000:6.1f} ms per page, {pages / seconds:6.1f} pages/s "
            f"(median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
