"""Entry point for `flask --app app` and WSGI servers."""
from drafting import create_app

app = create_app()
