"""The layers hold: the import-linter contracts in .importlinter (docs/architecture.md)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")  # import-linter's command


def test_the_import_contracts_are_kept():
    result = subprocess.run([LINT_IMPORTS, "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    contracts = (ROOT / ".importlinter").read_text().count("[importlinter:contract:")
    assert contracts >= 6
    assert f"Contracts: {contracts} kept, 0 broken." in result.stdout


def test_a_broken_contract_fails_the_check(tmp_path):
    """The check can fail: the same contracts over a copy where the domain imports Flask."""
    copy = tmp_path / "drafting"
    subprocess.run(["cp", "-r", str(ROOT / "drafting"), str(copy)], check=True)
    (copy / "domain" / "leak.py").write_text("import flask\n")
    (tmp_path / ".importlinter").write_text((ROOT / ".importlinter").read_text())
    result = subprocess.run([LINT_IMPORTS, "--no-cache"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "drafting.domain.leak -> flask" in result.stdout
