"""The one guard over what every request carries besides a JSON body: ids in the path, query
parameters and form fields (the JSON body has its own choke point, drafting.web.api._payload).

A NUL or a lone surrogate reaching a view would fail deep down (PostgreSQL refuses NUL in
text, exports cannot encode a surrogate) as a 500; a full-width "１２" would be read as the
id 12. Refused here, once for every route: 422 naming the field, as a JSON error for the API
and an error page for the pages.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from drafting.domain import input_rules
from drafting.domain.errors import InvalidInput

FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Free-text form fields every service passes through drafting.domain.text_rules, which refuses
# the same characters: left to the view, which shows the form again with the error beside
# the field and what the person typed. Every other field (ids, choices, names) is refused here.
FREE_TEXT_FIELDS = frozenset({"text", "rationale", "body", "note", "reason", "override_reason",
                              "title", "symbol", "classification", "heading"})


class AsciiIntegerConverter(IntegerConverter):
    """`<int:…>` matching ASCII digits only: Werkzeug's own uses `\\d`, which also matches
    full-width and other scripts' digits, and then int() reads them as the same id."""

    regex = r"[0-9]+"


def _refuse_forbidden_characters(where: str, pairs) -> None:
    for name, value in pairs:
        for text in (name, value):
            if not isinstance(text, str):
                continue
            bad = input_rules.forbidden_character(text)
            if bad is not None:
                field = name if input_rules.forbidden_character(name) is None else where
                raise InvalidInput(input_rules.refusal_message(field, bad),
                                   details={"field": field})


def refuse_hostile_fields() -> None:
    """Before every view: no control character (but tab and line breaks) and no lone
    surrogate in a path segment, query parameter or form field (free text aside: see
    FREE_TEXT_FIELDS), names included."""
    _refuse_forbidden_characters("path", (request.view_args or {}).items())
    _refuse_forbidden_characters("query", request.args.items(multi=True))
    if request.mimetype in FORM_MIMETYPES:
        _refuse_forbidden_characters("form", ((name, value) for name, value
                                              in request.form.items(multi=True)
                                              if name not in FREE_TEXT_FIELDS))


def install_converters(app: Flask) -> None:
    """Before any route is added: the converters every rule is compiled with."""
    app.url_map.converters["int"] = AsciiIntegerConverter


def init_app(app: Flask) -> None:
    app.before_request(refuse_hostile_fields)
