"""An XSS corpus and a checker that parses HTML the way a browser would build elements."""
from __future__ import annotations

from html.parser import HTMLParser

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    "<iframe src=https://evil.example></iframe>",
    "[x](vbscript:msgbox(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<a href='&#106;avascript:alert(1)'>x</a>",
]

DANGEROUS_TAGS = {"script", "iframe", "svg", "img", "object", "embed", "style", "math", "form"}


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action", "formaction"} and \
                    value.startswith(("javascript:", "vbscript:", "data:")):
                self.problems.append(f"{tag}[{name}={value[:20]}]")
            if name == "style" and "javascript:" in value:
                self.problems.append(f"{tag}[style]")


def dangerous_markup(html: str, allowed_tags: frozenset[str] = frozenset()) -> list[str]:
    """Elements or attributes in `html` that could run script (empty list = inert)."""
    collector = _Collector()
    collector.feed(html)
    return [p for p in collector.problems if p.strip("<>") not in allowed_tags]
