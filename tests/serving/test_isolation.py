"""PDF and DOCX files are made, and uploads read, in a child process with a deadline, and
identical requests share one run (drafting/isolation.py)."""
from __future__ import annotations

import io
import multiprocessing
import threading
import zipfile

import pytest

from drafting.domain.errors import DomainError
from drafting.isolation import (ExportBusy, ImportBusy, Isolation, RenderOnce, Settings,
                                settings_from)
from drafting.services import exports
from drafting.services.export_files import render_file
from tests.factories import login


def never_inline(export, fmt):
    raise AssertionError("rendered in the request's own process")


def clean_export(world):
    return exports.export_document(world.user("nz"), world.document, "clean")


def isolated(timeout: float = 120.0, parse_timeout: float = 120.0) -> Isolation:
    return Isolation(Settings(isolation="process", processes=1, timeout=timeout,
                              parse_timeout=parse_timeout))


def test_the_pdf_and_the_docx_are_made_in_a_child_process(world):
    export = clean_export(world)
    pdf = isolated().render(export, "pdf", never_inline)
    assert pdf.content.startswith(b"%PDF") and pdf.filename.endswith(".pdf")
    docx = isolated().render(export, "docx", never_inline)
    with zipfile.ZipFile(io.BytesIO(docx.content)) as package:
        body = package.read("word/document.xml").decode()
    assert "We will reduce emissions by 2030" in body
    assert multiprocessing.active_children() == []  # each child is gone once it answered


def test_light_formats_stay_in_the_request(world):
    calls = []
    html = isolated().render(clean_export(world), "html",
                             lambda export, fmt: calls.append(fmt) or render_file(export, fmt))
    assert calls == ["html"] and html.content.lower().startswith(b"<!doctype html>")


def test_a_render_past_its_deadline_is_killed_and_answered_busy(world):
    """No PDF is laid out in a millisecond: the deadline passes, the child is killed."""
    with pytest.raises(ExportBusy) as busy:
        isolated(timeout=0.001).render(clean_export(world), "pdf", never_inline)
    assert busy.value.status == 503
    assert "longer than 0.001 seconds" in busy.value.message
    assert multiprocessing.active_children() == []


def test_a_refusal_in_the_child_comes_back_as_the_same_refusal(world):
    export = clean_export(world)
    export.mode = "summary"  # no such mode: the writer refuses before rendering
    with pytest.raises(DomainError) as refused:
        isolated().render(export, "docx", never_inline)
    assert (refused.value.status, refused.value.code) == (422, "invalid_input")
    assert refused.value.message.startswith("mode must be one of")


def test_settings_follow_the_configuration():
    assert settings_from({}).isolation == "inline"  # not under gevent
    chosen = settings_from({"EXPORT_RENDER_ISOLATION": "process", "EXPORT_RENDER_PROCESSES": 3,
                            "EXPORT_RENDER_TIMEOUT": "12.5", "IMPORT_PARSE_TIMEOUT": "7"})
    assert (chosen.isolation, chosen.processes, chosen.timeout, chosen.parse_timeout) == (
        "process", 3, 12.5, 7.0)
    with pytest.raises(ValueError):
        settings_from({"EXPORT_RENDER_ISOLATION": "threads"})


def test_identical_requests_arriving_together_share_one_render():
    once, started, release = RenderOnce(), threading.Event(), threading.Event()
    made = []

    def make():
        made.append(1)
        started.set()
        assert release.wait(30)
        return object()

    results = {}
    leader = threading.Thread(target=lambda: results.setdefault("leader", once.run("k", make, 30)))
    leader.start()
    assert started.wait(30)
    follower = threading.Thread(
        target=lambda: results.setdefault("follower", once.run("k", make, 30)))
    follower.start()
    while once.waiting("k") != 1:  # the follower is registered (a state, not a time)
        threading.Event().wait(0.01)
    release.set()
    leader.join(30)
    follower.join(30)
    assert made == [1]
    assert results["leader"] is results["follower"]
    assert once.waiting("k") == 0
    # Afterwards the key is free: a later request makes its own.
    assert once.run("k", lambda: "again", 1) == "again"


def test_a_failed_render_fails_its_followers_too_and_frees_the_key():
    once, started, release = RenderOnce(), threading.Event(), threading.Event()

    def failing():
        started.set()
        assert release.wait(30)
        raise ExportBusy("busy")

    errors = []

    def call():
        try:
            once.run("k", failing, 30)
        except ExportBusy as error:
            errors.append(error)

    leader = threading.Thread(target=call)
    leader.start()
    assert started.wait(30)
    follower = threading.Thread(target=call)
    follower.start()
    while once.waiting("k") != 1:
        threading.Event().wait(0.01)
    release.set()
    leader.join(30)
    follower.join(30)
    assert len(errors) == 2 and errors[0] is errors[1]
    assert once.run("k", lambda: "fresh", 1) == "fresh"


def test_the_export_route_renders_in_a_child_when_isolation_is_on(app, client, world):
    app.extensions["isolation"] = isolated()
    login(client, "nz")
    response = client.get(f"/documents/{world.document.id}/export?mode=clean&format=pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    app.extensions["isolation"] = isolated(timeout=0.001)
    busy = client.get(f"/documents/{world.document.id}/export?mode=compilation&format=pdf")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"]


# --- uploads and pasted drafts ----------------------------------------------------------------

def test_a_zero_draft_upload_is_read_in_a_child_the_same_as_in_the_request():
    from drafting.services.upload_reading import zero_draft_from_upload
    from drafting.infrastructure.word_upload import Upload
    from tests.imports.builders import zero_draft_docx

    upload = Upload(zero_draft_docx(), "zero.docx")
    in_child = isolated().call(zero_draft_from_upload, upload)
    assert in_child.to_dict() == zero_draft_from_upload(upload).to_dict()
    assert in_child.sections and multiprocessing.active_children() == []


def test_a_damaged_upload_is_refused_from_the_child_with_its_reason():
    from drafting.services.upload_reading import zero_draft_from_upload
    from drafting.infrastructure.word_upload import Upload
    from tests.imports.builders import corrupt_docx

    with pytest.raises(DomainError) as refused:
        isolated().call(zero_draft_from_upload, Upload(corrupt_docx(), "broken.docx"))
    assert (refused.value.status, refused.value.code) == (422, "corrupt_docx")
    assert "broken.docx" in refused.value.message


def test_a_reading_past_its_deadline_is_killed_and_answered_busy():
    with pytest.raises(ImportBusy) as busy:
        isolated(parse_timeout=0.2).call(reading_that_never_finishes, "We will act.\n")
    assert (busy.value.status, busy.value.code) == (503, "import_busy")
    assert multiprocessing.active_children() == []


def wait_for_file_then_list(release: str, runs: str) -> list[str]:
    """Child-side work for the test below: note the run, wait until `release` exists."""
    import os
    import time as clock

    with open(runs, "a") as log:
        log.write("run\n")
    for _ in range(6000):  # a minute at most: the test creates the file once both callers wait
        if os.path.exists(release):
            break
        clock.sleep(0.01)
    return ["read", "once"]


def test_the_same_reading_arriving_twice_runs_once_and_each_caller_gets_its_own_copy(tmp_path):
    isolation = isolated()
    release, runs = str(tmp_path / "release"), str(tmp_path / "runs")
    results = {}

    def call(name):
        results[name] = isolation.call(wait_for_file_then_list, release, runs)

    leader = threading.Thread(target=call, args=("leader",))
    leader.start()
    while not (tmp_path / "runs").exists():  # the child is running (a state, not a time)
        threading.Event().wait(0.01)
    follower = threading.Thread(target=call, args=("follower",))
    follower.start()
    while isolation.waiting(wait_for_file_then_list, release, runs) != 1:
        threading.Event().wait(0.01)
    (tmp_path / "release").touch()
    leader.join(60)
    follower.join(60)
    assert (tmp_path / "runs").read_text() == "run\n"  # one child for both requests
    assert results["leader"] == results["follower"] == ["read", "once"]
    assert results["leader"] is not results["follower"]


def reading_that_never_finishes(markdown: str):
    """Child-side stand-in for the Markdown reading: blocks for a minute (the test's deadline
    kills it long before)."""
    import time as clock

    clock.sleep(60)


def test_import_routes_read_in_a_child_when_isolation_is_on(app, client, world, monkeypatch):
    from drafting.services import imports as imports_service
    from tests.imports.builders import zero_draft_docx

    app.extensions["isolation"] = isolated()
    login(client, "secretariat")
    page = client.post("/documents/import", data={
        "file": (io.BytesIO(zero_draft_docx()), "zero.docx"), "title": "", "symbol": "",
        "classification": "", "markdown": "", "intent": "preview"},
        content_type="multipart/form-data")
    assert page.status_code == 200 and "zero.docx" in page.get_data(as_text=True)
    # A reading that cannot finish in time, whatever the machine's load: the child blocks
    # until the deadline kills it (a tiny draft against a 1 ms deadline could finish first
    # while the request waited for the processor).
    monkeypatch.setattr(imports_service, "parse_markdown", reading_that_never_finishes)
    app.extensions["isolation"] = isolated(parse_timeout=0.2)
    busy = client.post("/documents/import", data={
        "title": "T", "symbol": "", "classification": "",
        "markdown": "## Operative\n\nWe will act.\n", "intent": "preview"})
    assert busy.status_code == 503 and busy.headers["Retry-After"]
    assert "could not be read now" in busy.get_data(as_text=True)
