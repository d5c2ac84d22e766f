"""The key ring: a tenant's data keys and per-subject keys, wrapped in the database, unwrapped
once and cached in memory.

Hierarchy::

    KEK (configuration, never in the database)
     └─ data keys, per tenant: token v1..v9 (FF3-1 / AES-SIV), hash v1 (HMAC-SHA-256)
          AES-GCM under HKDF(KEK, "data-keys"), associated data tenant/purpose/version
         └─ subject secrets, one per data subject, AES-GCM under a key derived from the
            current token key; a subject's token key is HMAC(token key vN, secret)

Rotation (``rotate``) adds token key version N+1 for new tokens, keeps older versions for
detokenisation, and re-wraps every subject secret under N+1 (the tokens themselves do not
change). Shredding a subject deletes its wrapped secret: no key in the ring can rebuild that
subject's token keys any more.

Memory follows storage: changes are committed first, then this process's cache is replaced.
Other processes see a new version within ``refresh_seconds`` (or at once on a detokenisation
miss) and drop cached subject keys when a shredding happened since they last looked.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pii_guard.audit.events import AuditEvent
from pii_guard.audit.log import AuditLog
from pii_guard.identity.caller import Caller
from pii_guard.masking.errors import KeyRingFull, KeyUnavailable, TokenError
from pii_guard.masking.kek import KeyEncryptionKey
from pii_guard.masking.tokens import MAX_SLOT, slot_of
from pii_guard.store.base import utcnow
from pii_guard.store.engine import transaction
from pii_guard.store.models.keys import DataKey, SubjectKey

TOKEN = "token"  # noqa: S105 - a key purpose, not a secret
HASH = "hash"
KEY_BYTES = 32
NONCE_BYTES = 12
REWRAP_BATCH = 5000
SUBJECT_CACHE_MAX = 200_000


@dataclass(frozen=True)
class _Snapshot:
    token_keys: dict[int, bytes]
    current: int
    hash_key: bytes
    shred_mark: str
    checked_at: float


@dataclass(frozen=True)
class KeyInfo:
    purpose: str
    version: int
    state: str
    created_at: str
    created_by: str | None


@dataclass
class RotationResult:
    version: int
    rewrapped: int
    seconds: float


@dataclass
class _Subjects:
    secrets: dict[str, bytes] = field(default_factory=dict)


def _aad(*parts: object) -> bytes:
    return "\x00".join(str(p) for p in parts).encode()


def _seal(key: bytes, plain: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


def _derive(key: bytes, label: bytes) -> bytes:
    return hmac.new(key, label, hashlib.sha256).digest()


class KeyRing:
    """One tenant's keys for one process; safe to share between threads."""

    def __init__(self, factory: sessionmaker[Session], kek: KeyEncryptionKey,
                 audit: AuditLog | None = None, *, tenant: str = "default",
                 refresh_seconds: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._factory = factory
        self._wrap_key = kek.derive("data-keys")
        self._audit = audit
        self.tenant = tenant
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._subjects = _Subjects()

    # --- loading -------------------------------------------------------------------------

    def _snap(self, *, force: bool = False) -> _Snapshot:
        snap = self._snapshot
        now = self._clock()
        if snap is not None and not force and now - snap.checked_at < self._refresh:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is not None and not force and now - snap.checked_at < self._refresh:
                return snap
            try:
                self._snapshot = self._load(snap)
            except SQLAlchemyError:
                raise KeyUnavailable("key_unavailable", "the key ring cannot be read from "
                                     "the database") from None
            return self._snapshot

    def _marks(self, session: Session) -> tuple[int, str]:
        current = session.scalar(select(func.max(DataKey.version)).where(
            DataKey.tenant == self.tenant, DataKey.purpose == TOKEN))
        shredded = session.execute(select(func.count(), func.max(SubjectKey.shredded_at)).where(
            SubjectKey.tenant == self.tenant, SubjectKey.shredded_at.is_not(None))).one()
        return int(current or 0), f"{shredded[0]}/{shredded[1]}"

    def _load(self, previous: _Snapshot | None) -> _Snapshot:
        with transaction(self._factory) as session:
            current, mark = self._marks(session)
            if previous is not None and current == previous.current:
                if mark != previous.shred_mark:
                    self._subjects = _Subjects()
                return _Snapshot(previous.token_keys, current, previous.hash_key, mark,
                                 self._clock())
            if current == 0:
                self._create_initial(session)
                current, mark = self._marks(session)
            rows = session.scalars(select(DataKey).where(DataKey.tenant == self.tenant)).all()
            token_keys: dict[int, bytes] = {}
            hash_key = b""
            for row in rows:
                key = self._unwrap_data_key(row)
                if row.purpose == TOKEN:
                    token_keys[row.version] = key
                elif row.purpose == HASH:
                    hash_key = key
        if not hash_key or current not in token_keys:
            raise KeyUnavailable("key_unavailable", "the key ring is incomplete")
        if previous is not None and mark != previous.shred_mark:
            self._subjects = _Subjects()
        return _Snapshot(token_keys, current, hash_key, mark, self._clock())

    def _create_initial(self, session: Session) -> None:
        """First use for this tenant: token key v1 and hash key v1 (a concurrent worker
        doing the same wins or loses on the primary key; both then read the winner's)."""
        try:
            with session.begin_nested():
                for purpose in (TOKEN, HASH):
                    session.add(self._new_data_key(purpose, 1, None))
                session.flush()
        except IntegrityError:
            return
        if self._audit is not None:
            self._audit.record(session, AuditEvent(
                action="keys.create", decision="allowed", reason="first_use",
                details={"tenant": self.tenant, "purposes": [TOKEN, HASH], "version": 1}))

    def _new_data_key(self, purpose: str, version: int, actor: str | None) -> DataKey:
        sealed = _seal(self._wrap_key, os.urandom(KEY_BYTES),
                       _aad(self.tenant, purpose, version))
        return DataKey(tenant=self.tenant, purpose=purpose, version=version, wrapped=sealed,
                       state="active", created_at=utcnow(), created_by=actor)

    def _unwrap_data_key(self, row: DataKey) -> bytes:
        try:
            return _open(self._wrap_key, row.wrapped, _aad(row.tenant, row.purpose, row.version))
        except InvalidTag:
            raise KeyUnavailable("key_unavailable", "the data keys do not open with the "
                                 "configured key-encryption key") from None

    def check(self) -> None:
        """Readiness: the ring loads and opens (raises KeyUnavailable otherwise)."""
        self._snap(force=True)

    # --- keys for treatments -----------------------------------------------------------

    @property
    def hash_key(self) -> bytes:
        return self._snap().hash_key

    def token_key(self, subject_id: str | None = None) -> tuple[int, bytes]:
        """The current version and the key new tokens use (subject-bound when asked)."""
        snap = self._snap()
        key = snap.token_keys[snap.current]
        if subject_id is None:
            return snap.current, key
        secret = self._subjects.secrets.get(subject_id)
        if secret is None:
            secret = self._subject_secret(subject_id, create=True)
        return snap.current, _derive(key, b"subject\x00" + secret)

    def version_for(self, slot: int) -> int:
        """The token key version using ``slot``; reloads once before giving up."""
        for force in (False, True):
            snap = self._snap(force=force)
            for version in snap.token_keys:
                if slot_of(version) == slot:
                    return version
        raise TokenError("unknown_key_version")

    def key_for(self, version: int, subject_id: str | None) -> bytes:
        """The key of an existing token: subject keys are read from storage every time, so a
        shredding anywhere takes effect at once for detokenisation."""
        snap = self._snap()
        if version not in snap.token_keys:
            snap = self._snap(force=True)
        key = snap.token_keys.get(version)
        if key is None:
            raise TokenError("unknown_key_version")
        if subject_id is None:
            return key
        secret = self._subject_secret(subject_id, create=False)
        return _derive(key, b"subject\x00" + secret)

    def _subject_secret(self, subject_id: str, *, create: bool) -> bytes:
        snap = self._snap()
        with transaction(self._factory) as session:
            row = session.get(SubjectKey, (self.tenant, subject_id))
            if row is None and create:
                try:
                    with session.begin_nested():
                        row = SubjectKey(
                            tenant=self.tenant, subject_id=subject_id,
                            wrap_version=snap.current, created_at=utcnow(),
                            wrapped=_seal(self._subject_wrap(snap, snap.current),
                                          os.urandom(KEY_BYTES),
                                          _aad(self.tenant, subject_id, snap.current)))
                        session.add(row)
                        session.flush()
                except IntegrityError:
                    row = session.get(SubjectKey, (self.tenant, subject_id),
                                      populate_existing=True)
            if row is None:
                raise TokenError("unknown_subject_key")
            if row.wrapped is None:
                raise TokenError("subject_key_shredded")
            wrap_version, wrapped = row.wrap_version, row.wrapped
        if wrap_version not in snap.token_keys:
            snap = self._snap(force=True)
        try:
            secret = _open(self._subject_wrap(snap, wrap_version), wrapped,
                           _aad(self.tenant, subject_id, wrap_version))
        except (InvalidTag, KeyError):
            raise KeyUnavailable("key_unavailable", "a subject key does not open") from None
        if create:
            if len(self._subjects.secrets) >= SUBJECT_CACHE_MAX:
                self._subjects = _Subjects()
            self._subjects.secrets[subject_id] = secret
        return secret

    @staticmethod
    def _subject_wrap(snap: _Snapshot, version: int) -> bytes:
        return _derive(snap.token_keys[version], b"wrap-subject-keys")

    # --- operations ----------------------------------------------------------------------

    def versions(self) -> list[KeyInfo]:
        """Every data key of the tenant (versions and states, never material)."""
        with transaction(self._factory) as session:
            rows = session.scalars(select(DataKey).where(DataKey.tenant == self.tenant)
                                   .order_by(DataKey.purpose, DataKey.version)).all()
            return [KeyInfo(r.purpose, r.version, r.state, r.created_at.isoformat(),
                            r.created_by) for r in rows]

    def subject_count(self) -> tuple[int, int]:
        """(live subject keys, shredded subject keys)."""
        with transaction(self._factory) as session:
            live = session.scalar(select(func.count()).select_from(SubjectKey).where(
                SubjectKey.tenant == self.tenant, SubjectKey.wrapped.is_not(None))) or 0
            dead = session.scalar(select(func.count()).select_from(SubjectKey).where(
                SubjectKey.tenant == self.tenant, SubjectKey.wrapped.is_(None))) or 0
        return live, dead

    def rotate(self, caller: Caller | None = None, *, reason: str = "rotated") -> RotationResult:
        """Token key version N+1 for new tokens; subject secrets re-wrapped under it; older
        versions stay (retired) so every existing token still detokenises."""
        started = time.perf_counter()
        snap = self._snap(force=True)
        new = snap.current + 1
        if new > MAX_SLOT:
            raise KeyRingFull("token_key_versions_full",
                              f"all {MAX_SLOT} token key version slots are in use")
        actor = caller.principal_id if caller else None
        with transaction(self._factory) as session:
            row = self._new_data_key(TOKEN, new, actor)
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise KeyRingFull("rotation_in_progress",
                                  "another process rotated the keys at the same time") from None
            new_key = self._unwrap_data_key(row)
            session.execute(update(DataKey).where(
                DataKey.tenant == self.tenant, DataKey.purpose == TOKEN,
                DataKey.version < new).values(state="retired"))
            keys = {**snap.token_keys, new: new_key}
            rewrapped = self._rewrap_subjects(session, keys, new)
            if self._audit is not None:
                self._audit.record(session, AuditEvent.by(
                    caller, "keys.rotate", "allowed", reason,
                    details={"tenant": self.tenant, "purpose": TOKEN, "version": new,
                             "rewrapped_subject_keys": rewrapped}))
        self._snap(force=True)
        return RotationResult(new, rewrapped, time.perf_counter() - started)

    def _rewrap_subjects(self, session: Session, keys: dict[int, bytes], new: int) -> int:
        wraps = {v: _derive(k, b"wrap-subject-keys") for v, k in keys.items()}
        count = 0
        for batch in self._subject_batches(session, new):
            updates = []
            for subject_id, version, wrapped in batch:
                secret = _open(wraps[version], wrapped, _aad(self.tenant, subject_id, version))
                updates.append({"tenant": self.tenant, "subject_id": subject_id,
                                "wrap_version": new,
                                "wrapped": _seal(wraps[new], secret,
                                                 _aad(self.tenant, subject_id, new))})
            session.execute(update(SubjectKey), updates)
            count += len(updates)
        return count

    def _subject_batches(self, session: Session, new: int
                         ) -> Iterator[list[tuple[str, int, bytes]]]:
        after = ""
        while True:
            rows = session.execute(
                select(SubjectKey.subject_id, SubjectKey.wrap_version, SubjectKey.wrapped)
                .where(SubjectKey.tenant == self.tenant, SubjectKey.subject_id > after,
                       SubjectKey.wrapped.is_not(None), SubjectKey.wrap_version != new)
                .order_by(SubjectKey.subject_id).limit(REWRAP_BATCH)).all()
            if not rows:
                return
            yield [(r[0], r[1], r[2]) for r in rows if r[2] is not None]
            after = rows[-1][0]

    def shred_subject(self, subject_id: str, caller: Caller | None = None, *,
                      reason: str = "subject_erasure") -> bool:
        """Destroy the subject's secret; False when the subject had no live key."""
        with transaction(self._factory) as session:
            result = session.execute(
                update(SubjectKey).where(SubjectKey.tenant == self.tenant,
                                         SubjectKey.subject_id == subject_id,
                                         SubjectKey.wrapped.is_not(None))
                .values(wrapped=None, shredded_at=utcnow()))
            shredded = bool(getattr(result, "rowcount", 0))
            if self._audit is not None:
                self._audit.record(session, AuditEvent.by(
                    caller, "keys.shred_subject", "allowed",
                    reason if shredded else "no_live_key", subject_ref=subject_id,
                    details={"tenant": self.tenant, "shredded": shredded}))
        self._subjects.secrets.pop(subject_id, None)
        self._snap(force=True)
        return shredded
