"""The layer contracts in pyproject.toml ([tool.importlinter], run by `make lint`) hold for the
code, and catch a deliberate violation: domain code that imports nameko."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_the_code_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_domain_code_that_imports_nameko_breaks_the_contract(tmp_path):
    for package in ("services", "shared"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    domain = tmp_path / "services" / "cases" / "domain.py"
    domain.write_text(domain.read_text() + "\nfrom nameko.rpc import rpc  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "services.cases.domain is not allowed to import nameko" in result.stdout
