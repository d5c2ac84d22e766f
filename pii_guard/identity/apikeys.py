"""API keys: random, shown once, stored as a keyed hash, found by their public prefix.

A key reads ``pgk_<prefix>_<secret>``. The prefix (``pgk_`` and 10 base32 characters) is
stored in clear so keys can be listed and revoked by it; the whole key is stored only as
HMAC-SHA256 under a key derived from the KEK, so a copy of the database does not let anyone
authenticate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.errors import AuthenticationFailed, InvalidRequest, NotFound
from pii_guard.identity.caller import Caller
from pii_guard.identity.units import caller_for
from pii_guard.masking.kek import KeyEncryptionKey
from pii_guard.store.base import new_id, utcnow
from pii_guard.store.models import ApiKey, Principal

KEY_SCHEME = "pgk"
KEY_PATTERN = re.compile(r"^pgk_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$")
MAX_LIFETIME_DAYS = 3650


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly created key: ``secret`` is the only time the full key exists outside a client."""

    prefix: str
    secret: str
    principal_id: str
    expires_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    prefix: str
    principal_id: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    @property
    def active(self) -> bool:
        now = utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ApiKeyHasher:
    """Keyed hashing of API keys; the hashing key is derived from the KEK."""

    def __init__(self, kek: KeyEncryptionKey) -> None:
        self._key = kek.derive("api-key-hash/v1")
        self._demo_key = kek.derive("demo-api-keys/v1")

    def hash(self, key: str) -> str:
        return hmac.new(self._key, key.encode(), hashlib.sha256).hexdigest()

    def matches(self, key: str, stored_hash: str) -> bool:
        return hmac.compare_digest(self.hash(key), stored_hash)

    def demo_key(self, principal_id: str) -> str:
        """The same key every time for this installation, so demo seeding is idempotent."""
        def derive(part: str) -> bytes:
            message = f"{part}:{principal_id}".encode()
            return hmac.new(self._demo_key, message, hashlib.sha256).digest()

        prefix = base64.b32encode(derive("prefix")[:10]).decode().lower()[:10]
        secret = base64.urlsafe_b64encode(derive("secret")).decode().rstrip("=")
        return f"{KEY_SCHEME}_{prefix}_{secret}"


def new_key_text() -> str:
    prefix = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"{KEY_SCHEME}_{prefix}_{secret}"


def public_prefix(key: str) -> str:
    match = KEY_PATTERN.match(key)
    if match is None:
        raise AuthenticationFailed("invalid_credentials", "the API key is not well-formed")
    return f"{KEY_SCHEME}_{match.group(1)}"


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.prefix, row.principal_id, row.label, row.created_at, row.expires_at,
                   row.revoked_at, row.last_used_at)


def create_key(
    session: Session,
    hasher: ApiKeyHasher,
    principal_id: str,
    *,
    label: str = "",
    expires_in_days: float | None = None,
    key_text: str | None = None,
) -> IssuedKey:
    """Issue a key for a principal; the caller must show ``secret`` once and forget it."""
    principal = session.get(Principal, principal_id)
    if principal is None:
        raise NotFound("principal_not_found", f"no principal {principal_id!r}")
    if not principal.active:
        raise InvalidRequest("principal_inactive", f"principal {principal_id!r} is inactive")
    expires_at = None
    if expires_in_days is not None:
        if not 0 < expires_in_days <= MAX_LIFETIME_DAYS:
            raise InvalidRequest("invalid_expiry",
                                 f"expiry must be within 0 and {MAX_LIFETIME_DAYS} days")
        expires_at = utcnow() + dt.timedelta(days=expires_in_days)
    text = key_text or new_key_text()
    prefix = public_prefix(text)
    session.add(ApiKey(id=new_id(), prefix=prefix, key_hash=hasher.hash(text),
                       principal_id=principal_id, label=label, expires_at=expires_at))
    session.flush()
    return IssuedKey(prefix, text, principal_id, expires_at)


def list_keys(session: Session, principal_id: str | None = None,
              prefix: str | None = None) -> list[KeyInfo]:
    query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.prefix)
    if principal_id is not None:
        query = query.where(ApiKey.principal_id == principal_id)
    if prefix is not None:
        query = query.where(ApiKey.prefix.startswith(prefix))
    return [_info(row) for row in session.scalars(query)]


def revoke_key(session: Session, prefix: str) -> KeyInfo:
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if row is None:
        raise NotFound("api_key_not_found", f"no API key with prefix {prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return _info(row)


class ApiKeyAuthenticator:
    """Turns a presented key into a ``Caller``, with a short cache so hot paths skip the database.

    A revocation in this process takes effect at once; in other processes within
    ``cache_seconds`` (the ``auth_cache_seconds`` setting).
    """

    def __init__(self, factory: sessionmaker[Session], hasher: ApiKeyHasher,
                 cache_seconds: float) -> None:
        self._factory = factory
        self._hasher = hasher
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, str, Caller, dt.datetime | None]] = {}
        self._lock = threading.Lock()

    def forget(self, prefix: str | None = None) -> None:
        with self._lock:
            if prefix is None:
                self._cache.clear()
            else:
                self._cache.pop(prefix, None)

    @staticmethod
    def prefix_or_none(key: str) -> str | None:
        match = KEY_PATTERN.match(key)
        return f"{KEY_SCHEME}_{match.group(1)}" if match else None

    def cached(self, key: str) -> Caller | None:
        """The caller from the cache without touching the database, or None on a miss."""
        prefix = public_prefix(key)
        with self._lock:
            cached = self._cache.get(prefix)
        if cached is None or time.monotonic() - cached[0] >= self._cache_seconds:
            return None
        _, key_hash, caller, expires_at = cached
        if not self._hasher.matches(key, key_hash):
            raise AuthenticationFailed("invalid_credentials", "the API key is not valid")
        if expires_at is not None and expires_at <= utcnow():
            raise AuthenticationFailed("expired_credentials", "the API key has expired")
        return caller

    def authenticate(self, key: str) -> Caller:
        """Verify against the database and refresh the cache."""
        prefix = public_prefix(key)
        now = time.monotonic()
        with self._factory() as session, session.begin():
            row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
            if row is None or not self._hasher.matches(key, row.key_hash):
                raise AuthenticationFailed("invalid_credentials", "the API key is not valid")
            if row.revoked_at is not None:
                raise AuthenticationFailed("revoked_credentials", "the API key was revoked")
            if row.expires_at is not None and row.expires_at <= utcnow():
                raise AuthenticationFailed("expired_credentials", "the API key has expired")
            if not row.principal.active:
                raise AuthenticationFailed("inactive_principal", "the principal is inactive")
            current = utcnow()
            if row.last_used_at is None or current - row.last_used_at > dt.timedelta(minutes=1):
                row.last_used_at = current
            caller = caller_for(row.principal, key_prefix=prefix)
            entry = (now, row.key_hash, caller, row.expires_at)
        with self._lock:
            self._cache[prefix] = entry
        return caller
