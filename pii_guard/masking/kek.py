"""The key-encryption key (KEK): the one secret pii-guard needs from outside its database.

Every other key (data keys for tokens and hashes, the API-key hashing key, the audit signing
key) is either wrapped under the KEK or derived from it, so the database alone reveals nothing.
The KEK comes from configuration; only in development, with no KEK configured, is a local key
file generated beside the working directory, with a warning.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import structlog
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from pii_guard.config import Settings
from pii_guard.errors import ConfigurationError

KEK_BYTES = 32
GENERATED_KEK_NAME = "pii-guard.kek"

log = structlog.get_logger(__name__)


@dataclass(frozen=True, repr=False)
class KeyEncryptionKey:
    """32 secret bytes and where they came from (for messages, never the bytes)."""

    material: bytes
    source: str

    def derive(self, purpose: str, length: int = 32) -> bytes:
        """A sub-key for one purpose; different purposes give independent keys (HKDF-SHA256)."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                    info=f"pii-guard/{purpose}".encode())
        return hkdf.derive(self.material)

    def __repr__(self) -> str:
        return f"KeyEncryptionKey(source={self.source!r})"


def decode_kek(text: str, source: str) -> KeyEncryptionKey:
    raw = text.strip()
    try:
        material = base64.urlsafe_b64decode(raw.replace("+", "-").replace("/", "_") + "==")
    except (binascii.Error, ValueError):
        raise ConfigurationError("invalid_kek", f"{source}: not base64") from None
    if len(material) != KEK_BYTES:
        raise ConfigurationError(
            "invalid_kek", f"{source}: must decode to {KEK_BYTES} bytes, got {len(material)}"
        )
    return KeyEncryptionKey(material, source)


def generate_kek_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEK_BYTES)).decode()


def load_kek(settings: Settings, *, generated_dir: Path | None = None) -> KeyEncryptionKey:
    """The configured KEK; in development without one, a generated local key file."""
    if settings.key_encryption_key is not None:
        return decode_kek(settings.key_encryption_key.get_secret_value(),
                          "PII_GUARD_KEY_ENCRYPTION_KEY")
    if settings.key_encryption_key_file is not None:
        path = settings.key_encryption_key_file
        try:
            text = path.read_text()
        except OSError as exc:
            raise ConfigurationError(
                "kek_unreadable", f"PII_GUARD_KEY_ENCRYPTION_KEY_FILE: cannot read {path}: "
                f"{exc.strerror}"
            ) from None
        return decode_kek(text, f"PII_GUARD_KEY_ENCRYPTION_KEY_FILE ({path})")
    if settings.environment == "production":
        raise ConfigurationError("kek_missing", "no key-encryption key configured")
    path = (generated_dir or Path.cwd()) / GENERATED_KEK_NAME
    if path.exists():
        return decode_kek(path.read_text(), f"generated local key {path}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_kek_text() + "\n")
    log.warning(
        "generated_local_kek",
        path=str(path),
        advice="development only: set PII_GUARD_KEY_ENCRYPTION_KEY(_FILE) in production",
    )
    return decode_kek(path.read_text(), f"generated local key {path}")
