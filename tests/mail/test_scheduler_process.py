"""`make serve`'s arrangement, with real processes: a shell starts `flask scheduler
--parent-pid $$` in the background and then becomes the server (exec); when the server ends,
the scheduler ends by itself."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in state  # a zombie has ended, whoever reaps it


def test_the_scheduler_ends_with_the_process_that_started_it(migrated, tmp_path):
    pid_file, log = tmp_path / "scheduler.pid", tmp_path / "scheduler.log"
    flask = Path(sys.executable).with_name("flask")
    env = {**os.environ, "FLASK_APP": "app", "DATABASE_URL": migrated, "MAIL_SERVER": "",
           "SECRET_KEY": "test-secret", "SCHEDULER_INTERVAL": "1"}
    # "sleep 3" stands for gunicorn: the scheduler is started, then the shell becomes it.
    server = subprocess.Popen(
        ["sh", "-c", f'"{flask}" scheduler --parent-pid $$ > "{log}" 2>&1 & '
                     f'echo $! > "{pid_file}"; exec sleep 3'],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server.wait(timeout=60)
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 60  # a bound for a stuck process, not a measure of speed
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _running(pid), "the scheduler outlived the process that started it"
    assert "Scheduler stopped after" in log.read_text(), log.read_text()
