"""Signed checkpoints: (origin, tree size, root hash, time), signed with Ed25519.

The text signed is a C2SP ``tlog-checkpoint`` body with one extension line for the time::

    pii-guard.audit/<log id>
    <tree size>
    <base64 root hash>
    time <YYYY-MM-DDTHH:MM:SS.ffffffZ>

and ``note`` renders it as a C2SP signed note, so witnesses and tools that speak that format
can cosign or check it. The signing key is derived from the key-encryption key, so only a
holder of the KEK can sign; the public key is published (API ``/v1/audit/signing-key``, CLI
``pii-guard audit public-key``) for third parties who keep exported checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pii_guard.audit.canonical import format_time
from pii_guard.audit.errors import CheckpointInvalid
from pii_guard.masking.kek import KeyEncryptionKey

SIGNING_PURPOSE = "audit/checkpoint-signing/v1"
ORIGIN_PREFIX = "pii-guard.audit/"


def origin_for(log_id: str) -> str:
    return ORIGIN_PREFIX + log_id


def key_id_for(origin: str, public_key: bytes) -> str:
    """The C2SP signed-note key hash: SHA-256(name || LF || 0x01 || key)[:4], in hex."""
    return hashlib.sha256(origin.encode() + b"\n\x01" + public_key).digest()[:4].hex()


def parse_time(text: str) -> dt.datetime:
    try:
        value = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        raise CheckpointInvalid(message="checkpoint time is not YYYY-MM-DDTHH:MM:SS.ffffffZ") \
            from None
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    created_at: dt.datetime
    key_id: str
    signature: bytes
    id: int | None = None

    def body(self) -> str:
        return (f"{self.origin}\n{self.tree_size}\n"
                f"{base64.b64encode(self.root_hash).decode()}\n"
                f"time {format_time(self.created_at)}\n")

    def note(self) -> str:
        stamp = base64.b64encode(bytes.fromhex(self.key_id) + self.signature).decode()
        return f"{self.body()}\n\u2014 {self.origin} {stamp}\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "origin": self.origin, "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(), "created_at": format_time(self.created_at),
            "key_id": self.key_id, "algorithm": "Ed25519",
            "signature": base64.b64encode(self.signature).decode(), "note": self.note(),
        }

    @classmethod
    def from_json(cls, data: Any) -> Checkpoint:
        """Read one element of ``GET /v1/audit/checkpoints`` (as saved to a file)."""
        if not isinstance(data, dict):
            raise CheckpointInvalid(message="a checkpoint is a JSON object")
        try:
            tree_size = data["tree_size"]
            if not isinstance(tree_size, int) or isinstance(tree_size, bool) or tree_size < 0:
                raise CheckpointInvalid(message="tree_size must be a non-negative integer")
            root = bytes.fromhex(data["root_hash"])
            signature = base64.b64decode(data["signature"], validate=True)
            key_id = str(data["key_id"])
            bytes.fromhex(key_id)
            return cls(origin=str(data["origin"]), tree_size=tree_size, root_hash=root,
                       created_at=parse_time(str(data["created_at"])), key_id=key_id,
                       signature=signature,
                       id=data.get("id") if isinstance(data.get("id"), int) else None)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            if isinstance(exc, CheckpointInvalid):
                raise
            raise CheckpointInvalid(
                message=f"checkpoint field missing or malformed: {type(exc).__name__}") from None


class CheckpointSigner:
    """Signs and verifies checkpoints of one log with one Ed25519 key."""

    def __init__(self, private_key: Ed25519PrivateKey, origin: str) -> None:
        self._private_key = private_key
        self.origin = origin
        self.public_key = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id_for(origin, self.public_key)

    @classmethod
    def from_kek(cls, kek: KeyEncryptionKey, log_id: str) -> CheckpointSigner:
        seed = kek.derive(SIGNING_PURPOSE)
        return cls(Ed25519PrivateKey.from_private_bytes(seed), origin_for(log_id))

    def sign(self, tree_size: int, root_hash: bytes, created_at: dt.datetime) -> Checkpoint:
        unsigned = Checkpoint(self.origin, tree_size, root_hash, created_at, self.key_id, b"")
        signature = self._private_key.sign(unsigned.body().encode())
        return Checkpoint(self.origin, tree_size, root_hash, created_at, self.key_id, signature)

    def verifies(self, checkpoint: Checkpoint) -> bool:
        return verify_signature(self.public_key, self.origin, checkpoint)


def verify_signature(public_key: bytes, origin: str, checkpoint: Checkpoint) -> bool:
    """True when ``checkpoint`` is for ``origin`` and signed by ``public_key``."""
    if checkpoint.origin != origin or checkpoint.key_id != key_id_for(origin, public_key):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            checkpoint.signature, checkpoint.body().encode())
    except (InvalidSignature, ValueError):
        return False
    return True
