"""Akoma Ntoso 3.0 (OASIS LegalDocML) XML of the clean text, as a `statement` document."""
from __future__ import annotations

import re

from lxml import etree

from drafting.exports.model import ExportDocument

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"


def _el(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, f"{{{AKN}}}{tag}", {k.rstrip("_"): str(v)
                                                          for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _formerly(p_element, paragraph, eid: str) -> None:
    """A Chair's statement paragraph's former number, as an authorial note of its text."""
    if paragraph.formerly:
        note = _el(p_element, "authorialNote", marker="*", placement="inline",
                   eId=f"{eid}__authorialNote_1")
        _el(note, "p", f"formerly {paragraph.formerly}")


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


def write_akn(export: ExportDocument) -> bytes:
    """FRBR work/expression/manifestation identifiers and one lifecycle event per revision
    (and for the endorsement) from `export.lifecycle`."""
    root = etree.Element(f"{{{AKN}}}akomaNtoso", nsmap={None: AKN})
    statement = _el(root, "statement", name="leadersStatement")
    meta = _el(statement, "meta")
    date = export.date.date().isoformat()
    work_uri = f"/akn/apec/statement/{export.date.year}/{_slug(export.symbol)}"
    expr_uri = f"{work_uri}/eng@{date}"
    ident = _el(meta, "identification", source="#secretariat")
    work = _el(ident, "FRBRWork")
    _el(work, "FRBRthis", value=f"{work_uri}/!main")
    _el(work, "FRBRuri", value=work_uri)
    _el(work, "FRBRalias", value=export.symbol, name="symbol")
    _el(work, "FRBRdate", date=date, name="Generation")
    _el(work, "FRBRauthor", href="#apec")
    _el(work, "FRBRcountry", value="apec")
    expression = _el(ident, "FRBRExpression")
    _el(expression, "FRBRthis", value=f"{expr_uri}/!main")
    _el(expression, "FRBRuri", value=expr_uri)
    _el(expression, "FRBRdate", date=date, name=export.revision)
    _el(expression, "FRBRauthor", href="#secretariat")
    _el(expression, "FRBRlanguage", language="eng")
    manifestation = _el(ident, "FRBRManifestation")
    _el(manifestation, "FRBRthis", value=f"{expr_uri}/!main.xml")
    _el(manifestation, "FRBRuri", value=f"{expr_uri}.akn")
    _el(manifestation, "FRBRdate", date=date, name="Export")
    _el(manifestation, "FRBRauthor", href="#secretariat")
    if export.lifecycle:
        lifecycle = _el(meta, "lifecycle", source="#secretariat")
        for event_id, when, _label in export.lifecycle:
            _el(lifecycle, "eventRef", eId=event_id, date=when.date().isoformat(),
                source="#secretariat", refersTo=f"#{event_id}-event")
    references = _el(meta, "references", source="#secretariat")
    _el(references, "TLCOrganization", eId="apec", href="/ontology/organization/apec",
        showAs="Asia-Pacific Economic Cooperation")
    _el(references, "TLCOrganization", eId="secretariat",
        href=f"/ontology/organization/apec/{_slug(export.host or 'host')}-secretariat",
        showAs=f"{export.host} secretariat" if export.host else "Host secretariat")
    for event_id, _when, label in export.lifecycle:
        _el(references, "TLCEvent", eId=f"{event_id}-event",
            href=f"/ontology/event/apec/{event_id}", showAs=label)
    if export.fingerprint:
        proprietary = _el(meta, "proprietary", source="#secretariat")
        fp = etree.SubElement(proprietary, "{urn:drafting}fingerprint",
                              nsmap={"drafting": "urn:drafting"})
        fp.set("algorithm", "SHA-256")
        fp.text = export.fingerprint

    preface = _el(statement, "preface")
    _el(_el(preface, "p"), "docTitle", export.title)
    _el(_el(preface, "p"), "docNumber", export.symbol)
    _el(_el(preface, "p"), "docStage", export.stage)

    preamble_sections = [s for s in export.sections
                         if s.paragraphs and s.paragraphs[0].number.startswith("PP")]
    body_sections = [s for s in export.sections if s not in preamble_sections]
    if preamble_sections:
        preamble = _el(statement, "preamble")
        for section in preamble_sections:
            for p in section.paragraphs:
                eid = f"preamble__{_slug(p.number)}"
                container = _el(preamble, "container", name="preambularParagraph", eId=eid)
                _formerly(_el(container, "p", f"{p.number} {p.new_text}"), p, eid)
    main = _el(statement, "mainBody")
    if not body_sections:
        _el(_el(main, "container", name="noOperativeParagraphs", eId="body_empty"), "p", "")
    for index, section in enumerate(body_sections, start=1):
        sec = _el(main, "section", eId=f"sec_{index}")
        _el(sec, "heading", section.heading)
        for p in section.paragraphs:
            eid = f"sec_{index}__para_{_slug(p.number)}"
            para = _el(sec, "paragraph", eId=eid)
            _el(para, "num", p.number)
            _formerly(_el(_el(para, "content"), "p", p.new_text), p, eid)
        if not section.paragraphs:
            _el(_el(sec, "content"), "p", "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
