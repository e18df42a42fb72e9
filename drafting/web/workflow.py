"""Document stages, submission rounds, the silence procedure and endorsement."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workflow", __name__)
