"""Economies' positions, the consensus matrix, clause status, options and the Chair's statement."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consensus", __name__)
