"""``make web-assets``: GOV.UK Frontend's compiled CSS, JavaScript, fonts and images, at the
version package.json pins, copied from the npm registry's package into
services/gateway/web/static/govuk/ (committed, so neither `make run` nor CI needs npm).

    python -m scripts.web_assets [--check]

``--check`` says whether the committed files are the pinned version's (a unit test runs it
without npm, from the manifest written here)."""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "services" / "gateway" / "web" / "static" / "govuk"
MANIFEST = TARGET / "VERSION.json"
FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
FOLDERS = ("assets/fonts", "assets/images")


def pinned_version() -> str:
    return json.loads((ROOT / "package.json").read_text())["dependencies"]["govuk-frontend"]


def digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path != folder / MANIFEST.name
    }


def copy() -> None:
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(ROOT / "package.json", work)
        shutil.copy(ROOT / "package-lock.json", work)
        subprocess.run(["npm", "ci", "--silent", "--ignore-scripts"], cwd=work, check=True)
        dist = Path(work) / "node_modules" / "govuk-frontend" / "dist" / "govuk"
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        for name in FILES:
            shutil.copy(dist / name, TARGET / name)
        for folder in FOLDERS:
            shutil.copytree(dist / folder, TARGET / folder)
    MANIFEST.write_text(
        json.dumps({"govuk-frontend": pinned_version(), "files": digests(TARGET)}, indent=2) + "\n"
    )


def check() -> list[str]:
    """What differs between the committed files and the manifest of the pinned version."""
    if not MANIFEST.is_file():
        return ["no manifest: run make web-assets"]
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    if manifest["govuk-frontend"] != pinned_version():
        problems.append(
            f"assets are govuk-frontend {manifest['govuk-frontend']}, package.json pins"
            f" {pinned_version()}: run make web-assets"
        )
    if manifest["files"] != digests(TARGET):
        problems.append("asset files differ from their manifest: run make web-assets")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    if parser.parse_args().check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    copy()
    print(f"govuk-frontend {pinned_version()} copied to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
