"""Headless LibreOffice conversions (used by the tests and the page-rendering script)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


class LibreOfficeMissing(RuntimeError):
    pass


def soffice_path() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        raise LibreOfficeMissing("LibreOffice (soffice) is not installed: run "
                                 "scripts/install-system-packages.sh")
    return path


def convert(source: Path, target_format: str, outdir: Path, timeout: int = 180) -> Path:
    """Convert `source` with LibreOffice; returns the produced file.

    Each conversion gets its own profile directory: concurrent conversions sharing one
    profile are silently lost.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo_profile_") as profile:
        env = {**os.environ, "HOME": profile}
        subprocess.run(
            [soffice_path(), "--headless", "--norestore",
             f"-env:UserInstallation=file://{profile}", "--convert-to", target_format,
             "--outdir", str(outdir), str(source)],
            check=True, capture_output=True, timeout=timeout, env=env)
    produced = outdir / f"{source.stem}.{target_format.split(':')[0]}"
    if not produced.exists():
        raise RuntimeError(f"LibreOffice did not produce {produced.name}")
    return produced
