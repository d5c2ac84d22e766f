"""Stored scan connections: database URLs kept encrypted under the service's key, used by name.

An administrator stores ``NAME -> URL`` once (``pii-guard connections add`` or
``POST /v1/connections``); scans then name the connection and never carry the password. The URL
is sealed with AES-256-GCM under ``kek.derive("discovery-credentials/v1")`` with the name as
associated data, so a ciphertext moved to another name, or altered, fails to open. Lists show the
URL with its password hidden.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from pii_guard.discovery.errors import (
    ConnectionNameTaken,
    ConnectionNotFound,
    InvalidScanTarget,
)
from pii_guard.discovery.redact import display_url, parse_url
from pii_guard.errors import ConfigurationError
from pii_guard.masking.kek import KeyEncryptionKey
from pii_guard.store.models.discovery import ScanConnection

KEY_VERSION = "discovery-credentials/v1"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"
_NAME = re.compile(NAME_PATTERN)


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What may be shown of a stored connection: never the password."""

    name: str
    display: str
    backend: str


class CredentialVault:
    """Seals and opens URLs under the discovery credentials key (one per KEK)."""

    def __init__(self, kek: KeyEncryptionKey) -> None:
        self._aead = AESGCM(kek.derive(KEY_VERSION))

    def seal(self, name: str, url: str) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        return nonce, self._aead.encrypt(nonce, url.encode(), name.encode())

    def open(self, name: str, nonce: bytes, secret: bytes) -> str:
        try:
            return self._aead.decrypt(nonce, secret, name.encode()).decode()
        except InvalidTag:
            raise ConfigurationError(
                "connection_undecryptable",
                f"stored connection {name!r} cannot be decrypted with the configured key",
            ) from None


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidScanTarget("invalid_connection_name",
                                "connection names are 1-64 of a-z 0-9 _ . - (lower case)")
    return name


def check_url(url: str) -> str:
    """``url`` if it is a SQLAlchemy database URL; the error never repeats it."""
    try:
        parsed = parse_url(url)
    except ValueError:
        raise InvalidScanTarget("invalid_scan_url", "not a SQLAlchemy database URL") from None
    if not parsed.drivername:
        raise InvalidScanTarget("invalid_scan_url", "the URL names no database dialect")
    return url


class ConnectionStore:
    """Stored connections, inside the caller's transaction."""

    def __init__(self, vault: CredentialVault) -> None:
        self._vault = vault

    def add(self, session: Session, name: str, url: str, created_by: str | None) -> ConnectionInfo:
        check_name(name)
        check_url(url)
        if session.get(ScanConnection, name) is not None:
            raise ConnectionNameTaken("connection_exists", f"connection {name!r} already exists")
        nonce, secret = self._vault.seal(name, url)
        row = ScanConnection(name=name, display=display_url(url),
                             backend=parse_url(url).get_backend_name(), nonce=nonce,
                             secret=secret, key_version=KEY_VERSION, created_by=created_by)
        session.add(row)
        session.flush()
        return ConnectionInfo(row.name, row.display, row.backend)

    def url(self, session: Session, name: str) -> str:
        row = self._row(session, name)
        return self._vault.open(row.name, row.nonce, row.secret)

    def info(self, session: Session, name: str) -> ConnectionInfo:
        row = self._row(session, name)
        return ConnectionInfo(row.name, row.display, row.backend)

    def list(self, session: Session) -> list[ConnectionInfo]:
        rows = session.scalars(select(ScanConnection).order_by(ScanConnection.name))
        return [ConnectionInfo(row.name, row.display, row.backend) for row in rows]

    def remove(self, session: Session, name: str) -> None:
        session.delete(self._row(session, name))

    @staticmethod
    def _row(session: Session, name: str) -> ScanConnection:
        row = session.get(ScanConnection, name)
        if row is None:
            raise ConnectionNotFound("connection_not_found", f"no stored connection {name!r}")
        return row
