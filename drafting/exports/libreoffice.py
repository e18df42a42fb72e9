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


SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which can import uno (a virtualenv cannot)
UNO_SCRIPT = Path(__file__).with_name("uno_tracked_changes.py")


class LibreOfficeFailed(RuntimeError):
    """LibreOffice crashed, hung or refused a file; the message carries its stderr."""


def uno_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0 and shutil.which("soffice") is not None


def resolve_tracked_changes(docx: bytes, action: str, timeout: int = 180) -> dict:
    """Open `docx` in LibreOffice, run Accept all ("accept") or Reject all ("reject") or
    nothing ("none"), and return what it then holds:
    {"paragraphs": [[style name, text], ...], "tracked_changes": n, "comments": n}."""
    return resolve_in_libreoffice([(docx, action)], timeout)[0]


def resolve_in_libreoffice(jobs: list[tuple[bytes, str]], timeout: int = 180) -> list[dict]:
    """resolve_tracked_changes for several files in one LibreOffice session, in order.

    One soffice per call with its own profile and HOME, removed afterwards. A crash, a
    non-zero exit or the timeout raises LibreOfficeFailed with LibreOffice's stderr; nothing
    is retried.
    """
    import json
    import signal

    with tempfile.TemporaryDirectory(prefix="lo_uno_") as workdir:
        arguments = []
        for index, (docx, action) in enumerate(jobs):
            source = Path(workdir) / f"document{index}.docx"
            source.write_bytes(docx)
            arguments += [action, str(source)]
        home = Path(workdir) / "home"
        home.mkdir()
        process = subprocess.Popen(
            [SYSTEM_PYTHON, str(UNO_SCRIPT), str(Path(workdir) / "profile"), *arguments],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                 "LANG": "C.UTF-8"})
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the script and the soffice it started
            out, err = process.communicate()
            raise LibreOfficeFailed(f"LibreOffice took more than {timeout} s:\n"
                                    f"{err.decode(errors='replace')}") from None
        finally:
            # soffice lives in the script's session; nothing of it may outlive the call.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if process.returncode != 0:
        raise LibreOfficeFailed(f"LibreOffice failed (exit {process.returncode}):\n"
                                f"{err.decode(errors='replace')}")
    return json.loads(out)
