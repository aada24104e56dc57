"""Path converters: a URL parameter is checked at the boundary, so a malformed one is a 404."""


class Token:
    """Signed or random tokens in links: URL-safe base64 with Django signing's ':' and '.'.
    Secret: whoever holds one may open its page, so logs never show it (core/redaction.py)."""

    secret = True
    regex = r"[A-Za-z0-9_\-:.=]{1,400}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
