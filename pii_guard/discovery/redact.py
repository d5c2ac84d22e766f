"""Keep scan credentials and sampled values out of every log line, event and error text.

A scan URL carries a password; drivers repeat parts of their DSN in exception texts
(``password authentication failed``, ``Access denied for user ... (using password: YES)``,
sometimes the DSN itself), and SQL errors can quote a value. Every text about a scan that
leaves this package goes through a ``Redactor`` built for that scan: it removes the known
secret in any spelling it could appear in, any ``user:password@`` or ``password=...`` shape,
and any run of six or more digits (identifiers are digit runs; table names rarely are).
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
MAX_ERROR_CHARS = 300

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<user>[^:/@\s]*):[^@\s]*@")
_KEYWORD = re.compile(r"(?i)\b(?P<key>password|passwd|pwd|secret)\s*(?P<sep>[=:])\s*"
                      r"(?P<q>['\"]?)[^\s'\";,&]*(?P=q)")
_DIGITS = re.compile(r"\d{6,}")


def parse_url(url: str | URL) -> URL:
    """A SQLAlchemy URL, or ``ValueError`` whose text never repeats the input."""
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError("not a database URL") from None


def display_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***`` (for lists, runs and logs)."""
    return parse_url(url).render_as_string(hide_password=True)


class Redactor:
    """Removes one scan's secrets, and anything shaped like a secret or an identifier."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        spelled: set[str] = set()
        for secret in secrets:
            if secret:
                spelled.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so a secret containing another is removed whole.
        self._secrets = sorted(spelled, key=len, reverse=True)

    @classmethod
    def for_url(cls, url: str | URL) -> Redactor:
        try:
            parsed = parse_url(url)
        except ValueError:
            return cls((str(url),))
        secrets = tuple(s for s in (parsed.password,) if isinstance(s, str) and s)
        return cls(secrets)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
        text = _KEYWORD.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
        return _DIGITS.sub(MASK, text)

    def describe(self, exc: BaseException) -> str:
        """One line naming the error: its type and its redacted first line, bounded."""
        lines = str(exc).strip().splitlines()
        first = lines[0] if lines else ""
        summary = self.redact(first)[:MAX_ERROR_CHARS]
        return f"{type(exc).__name__}: {summary}" if summary else type(exc).__name__
