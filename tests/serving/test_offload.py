"""CPU-bound work that releases the GIL runs beside the gevent loop, not on it."""
from __future__ import annotations

import subprocess
import sys
import threading
import textwrap
from pathlib import Path

from drafting.offload import gevent_is_patched, off_event_loop

ROOT = Path(__file__).resolve().parents[2]


def test_without_gevent_the_function_is_simply_called_on_this_thread():
    assert not gevent_is_patched()  # the test process is not monkey-patched
    assert off_event_loop(threading.get_ident) == threading.get_ident()
    assert off_event_loop(divmod, 7, 2) == (3, 1)


def test_under_gevent_a_password_check_lets_other_greenlets_run():
    """In a patched process (as in a gevent worker): while one greenlet checks a scrypt hash,
    another keeps ticking, and the check still gives the right answer."""
    script = textwrap.dedent("""
        from gevent import monkey
        monkey.patch_all()
        import gevent
        from werkzeug.security import check_password_hash, generate_password_hash
        from drafting.offload import gevent_is_patched, off_event_loop

        stored = generate_password_hash("a long enough password", method="scrypt")
        ticks = []

        def ticker():
            while True:
                ticks.append(1)
                gevent.sleep(0.001)

        background = gevent.spawn(ticker)
        gevent.sleep(0.01)
        before = len(ticks)
        right = off_event_loop(check_password_hash, stored, "a long enough password")
        wrong = off_event_loop(check_password_hash, stored, "not the password")
        during = len(ticks) - before
        background.kill()
        print(gevent_is_patched(), right, wrong, during)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    patched, right, wrong, during = result.stdout.split()
    assert (patched, right, wrong) == ("True", "True", "False")
    # Two scrypt checks take a few hundred milliseconds; on the loop they would allow no tick.
    assert int(during) > 5
