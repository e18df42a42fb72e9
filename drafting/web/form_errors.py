"""A refusal told next to the field it is about, in words for people.

Services raise `InvalidInput` with `details={"field": …}` and a message written for the API
("text must not be empty."). A page names the field as its label does ("Enter the proposed
text.") and shows it beside that field (aria-invalid, aria-describedby: templates/_macros.html
`field_error`/`field_attrs`); a refusal about no field of the form stays at the top.
"""
from __future__ import annotations

from drafting.domain.errors import DomainError


def field_errors(error: DomainError, labels: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """({field: message}, None) when `error` is about one of the form's fields (`labels`:
    field name → how the form calls it, e.g. "the proposed text"); else ({}, its message)."""
    field = (error.details or {}).get("field")
    if field not in labels:
        return {}, error.message
    return {field: people_message(error.message, field, labels[field])}, None


def people_message(message: str, field: str, label: str) -> str:
    """`message` about `field` rephrased with the field's label instead of its name."""
    if message.startswith(f"{field} must not be empty"):
        return f"Enter {label}."
    if message.startswith(f"{field} must be text"):
        return f"Enter {label} as text."
    if message.startswith(f"{field} "):
        rest = message[len(field):]
        return label[:1].upper() + label[1:] + rest
    return message


__all__ = ["field_errors", "people_message"]
