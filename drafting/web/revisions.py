"""Revisions, comparing them, and the negotiating text."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("revisions", __name__)
