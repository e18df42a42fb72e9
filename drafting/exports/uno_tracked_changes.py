"""Open a .docx in LibreOffice over UNO, accept or reject all tracked changes, print paragraphs.

A stand-alone script for Debian's /usr/bin/python3 (a virtualenv cannot import `uno`); the
application never imports it. drafting/exports/libreoffice.py runs it in a subprocess:

    /usr/bin/python3 uno_tracked_changes.py PROFILE_DIR accept|reject|none FILE.docx [...]

It starts its own soffice with the given profile directory, listening on a pipe of its own
(a unique name), handles each (action, file) pair in turn and prints one JSON list on stdout,
an object per file: the body's paragraphs in document order as [style, text] (table cells row
by row), the number of tracked changes left and of comments.
LibreOffice's own output is passed through on stderr, and a crash exits non-zero.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

SOFFICE = "/usr/lib/libreoffice/program/soffice"
START_DEADLINE_SECONDS = 60
DISPATCH = {"accept": ".uno:AcceptAllTrackedChanges", "reject": ".uno:RejectAllTrackedChanges"}


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(office: subprocess.Popen, pipe: str):
    """The remote component context, once the office listens on `pipe`.

    soffice takes a moment to open its pipe; the only way to know it is ready is to try. The
    wait ends as soon as the process exits (a crash is reported, never retried) or after
    START_DEADLINE_SECONDS.
    """
    resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", uno.getComponentContext())
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if office.poll() is not None:
                raise SystemExit(f"soffice exited with {office.returncode} before listening")
            if time.monotonic() > deadline:
                raise SystemExit("soffice did not open its pipe in time")
            time.sleep(0.1)


def _paragraphs(text) -> list[list[str]]:
    out = []
    enumeration = text.createEnumeration()
    while enumeration.hasMoreElements():
        element = enumeration.nextElement()
        if element.supportsService("com.sun.star.text.Paragraph"):
            out.append([element.ParaStyleName, element.getString()])
        elif element.supportsService("com.sun.star.text.TextTable"):
            for name in element.getCellNames():
                out.extend(_paragraphs(element.getCellByName(name).getText()))
    return out


def main(profile: str, jobs: list[tuple[str, str]]) -> None:
    for action, _path in jobs:
        if action not in (*DISPATCH, "none"):
            raise SystemExit(f"unknown action {action!r}: accept, reject or none")
    # Unique per call: two conversions at once (two test workers, two requests) listening on
    # one pipe name would each reach the other's office, or neither its own.
    pipe = f"drafting_{os.getpid()}_{uuid.uuid4().hex}"
    office = subprocess.Popen(
        [SOFFICE, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault",
         "--nolockcheck", f"-env:UserInstallation=file://{profile}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdout=sys.stderr, stderr=sys.stderr)
    desktop = None
    try:
        context = _connect(office, pipe)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context)
        print(json.dumps([_resolve(context, desktop, action, path) for action, path in jobs]))
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # the bridge goes away as the office quits
                pass
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()


def _resolve(context, desktop, action: str, path: str) -> dict:
    document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)),
                                            "_blank", 0, (_property("Hidden", True),))
    if document is None:
        raise SystemExit(f"LibreOffice could not open {path}")
    if action in DISPATCH:
        helper = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", context)
        helper.executeDispatch(document.getCurrentController().getFrame(), DISPATCH[action],
                               "", 0, ())
    result = {
        "paragraphs": _paragraphs(document.getText()),
        "tracked_changes": sum(1 for _ in _iterate(document.getRedlines())),
        "comments": sum(1 for field in _iterate(document.getTextFields())
                        if field.supportsService("com.sun.star.text.TextField.Annotation")),
    }
    document.close(True)
    return result


def _iterate(access):
    enumeration = access.createEnumeration()
    while enumeration.hasMoreElements():
        yield enumeration.nextElement()


if __name__ == "__main__":
    arguments = sys.argv[2:]
    main(sys.argv[1], list(zip(arguments[::2], arguments[1::2])))
