"""Format-preserving tokens: FF3-1 (the ``ff3`` package) for numbers and codes, AES-SIV for
free-form values. Pure functions of a value, an entity, a key and a key version.

How a token carries its key version and why it never passes for a real value:

* ``luhn`` (card numbers, same length): the first n-1 digits are enciphered; the last digit is
  picked from the nine digits that make the whole number FAIL the Luhn check, the pick being
  the version slot (1-9). A real card number always passes Luhn, so a token never does.
* ``cn_ric`` (18-character resident IDs, same length): the first 17 digits are enciphered; the
  check character is picked the same way from those failing both ISO 7064 MOD 11-2 and Luhn.
  15-digit legacy IDs (no check digit) use ``digits`` and become 16 digits.
* Values that do not fit their scheme (a card number failing Luhn, a malformed ID) get
  ``opaque`` tokens, so a token's form alone says how to reverse it.
* ``digits`` / ``alnum``: the digits (letters and digits) are enciphered in place, separators
  stay, and one slot character is appended; ``digits`` picks it so that the digits fail Luhn.
  The length changes by one, so the token fits no fixed-length format of the entity.
* ``email``: the local part as ``alnum``, the domain kept.
* ``opaque`` (and values too short for FF3-1's one-million domain): ``tok<version>_<base32>``,
  AES-SIV with the entity as associated data (deterministic, authenticated).

The slot is ``(version - 1) % 9 + 1``; the key ring refuses a tenth version (see keyring.py).
The FF3-1 tweak (56 bits) is derived from the entity, so the same digits give different tokens
as a mobile number and as an account number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from ff3 import FF3Cipher
from stdnum import luhn
from stdnum.cn import ric

from pii_guard.masking.errors import TokenError
from pii_guard.masking.rules import TokenScheme

DIGITS = "0123456789"
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
RIC_CHARS = "0123456789X"
MAX_SLOT = 9
_MIN_LEN = {DIGITS: 6, ALNUM: 4}  # radix ** length >= 1,000,000 (FF3-1)
_MAX_LEN = {DIGITS: 56, ALNUM: 32}
_OPAQUE = re.compile(r"tok([1-9][0-9]{0,5})_([a-z2-7]+)")


def slot_of(version: int) -> int:
    return (version - 1) % MAX_SLOT + 1


@lru_cache(maxsize=4096)
def _cipher(key: bytes, alphabet: str) -> FF3Cipher:
    return FF3Cipher.withCustomAlphabet(key.hex(), "00000000000000", alphabet)


@lru_cache(maxsize=1024)
def _tweak(scheme: str, entity: str) -> str:
    return hashlib.sha256(f"pii-guard/ff3/{scheme}/{entity}".encode()).hexdigest()[:14]


@lru_cache(maxsize=4096)
def _siv(key: bytes) -> AESSIV:
    return AESSIV(hmac.new(key, b"pii-guard/aes-siv", hashlib.sha512).digest())


def _luhn_ok(digits: str) -> bool:
    return luhn.checksum(digits) == 0


def _luhn_slots(body: str) -> list[str]:
    return [d for d in DIGITS if not _luhn_ok(body + d)]


def _ric_slots(body: str) -> list[str]:
    right = ric.calc_check_digit(body + "0")
    return [c for c in RIC_CHARS
            if c != right and not (c.isdigit() and _luhn_ok(body + c))][:MAX_SLOT]


class _TooShort(Exception):
    pass


def _encipher(text: str, alphabet: str, key: bytes, tweak: str, *, decrypt: bool = False) -> str:
    if not _MIN_LEN[alphabet] <= len(text) <= _MAX_LEN[alphabet]:
        raise _TooShort
    cipher = _cipher(key, alphabet)
    if decrypt:
        return str(cipher.decrypt_with_tweak(text, tweak))
    return str(cipher.encrypt_with_tweak(text, tweak))


def _positions(value: str, alphabet: str) -> list[int]:
    chars = frozenset(alphabet)
    return [i for i, ch in enumerate(value) if ch in chars]


def _place(value: str, positions: list[int], chars: str, extra: str = "") -> str:
    """``value`` with ``chars`` written at ``positions`` and ``extra`` inserted after the last."""
    out = list(value)
    for i, ch in zip(positions, chars, strict=True):
        out[i] = ch
    if extra:
        out.insert(positions[-1] + 1, extra)
    return "".join(out)


# --- tokenise ---------------------------------------------------------------------------

def tokenise(value: str, entity: str, scheme: TokenScheme, key: bytes, version: int) -> str:
    """The token of ``value``; falls back to ``opaque`` where FF3-1 cannot take the value."""
    try:
        if scheme == "luhn" and _is_valid_card(value):
            return _fpe_checked(value, entity, scheme, key, version, _luhn_slots, last=True)
        if scheme == "cn_ric" and _is_ric(value):
            return _fpe_checked(value.upper(), entity, scheme, key, version, _ric_slots,
                                last=True, alphabet=DIGITS + "X")
        if scheme == "digits" or (scheme == "cn_ric" and _is_ric15(value)):
            return _fpe_checked(value, entity, "digits", key, version, _luhn_slots, last=False)
        if scheme == "alnum":
            return _fpe_alnum(value, entity, key, version)
        if scheme == "email":
            local, at, domain = value.rpartition("@")
            if at and local:
                return _fpe_alnum(local, entity, key, version) + "@" + domain
    except _TooShort:
        pass
    return _opaque(value, entity, key, version)


def _is_valid_card(value: str) -> bool:
    digits = "".join(ch for ch in value if ch in DIGITS)
    return 7 <= len(digits) <= 19 and _luhn_ok(digits)


def _is_ric15(value: str) -> bool:
    return len(_positions(value, DIGITS)) == 15 and len(_positions(value, ALNUM)) == 15


def _is_ric(value: str) -> bool:
    compact = "".join(ch for ch in value.upper() if ch in RIC_CHARS)
    return (len(compact) == 18 and compact[:17].isdigit()
            and ric.calc_check_digit(compact) == compact[17])


def _fpe_checked(value: str, entity: str, scheme: str, key: bytes, version: int,
                 slots: Callable[[str], list[str]], *, last: bool,
                 alphabet: str = DIGITS) -> str:
    positions = _positions(value, alphabet)
    chars = "".join(value[i] for i in positions)
    body = chars[:-1] if last else chars
    enciphered = _encipher(body, DIGITS, key, _tweak(scheme, entity))
    check = slots(enciphered)[slot_of(version) - 1]
    if last:
        return _place(value, positions, enciphered + check)
    return _place(value, positions, enciphered, extra=check)


def _fpe_alnum(value: str, entity: str, key: bytes, version: int) -> str:
    positions = _positions(value, ALNUM)
    chars = "".join(value[i] for i in positions)
    enciphered = _encipher(chars, ALNUM, key, _tweak("alnum", entity))
    return _place(value, positions, enciphered, extra=str(slot_of(version)))


def _opaque(value: str, entity: str, key: bytes, version: int) -> str:
    sealed = _siv(key).encrypt(value.encode(), [entity.encode()])
    return f"tok{version}_" + base64.b32encode(sealed).decode().rstrip("=").lower()


# --- detokenise -------------------------------------------------------------------------

def opaque_version(token: str) -> int | None:
    """The key version of an ``opaque`` token, or None when the token is not of that form."""
    match = _OPAQUE.fullmatch(token)
    return int(match[1]) if match else None


def fpe_slot(token: str, entity: str, scheme: TokenScheme) -> int:
    """The version slot of a format-preserving token; TokenError when it is not one."""
    try:
        if scheme == "luhn" and _fpe_shape(token, DIGITS, 7, 19):
            digits = "".join(token[i] for i in _positions(token, DIGITS))
            return _slot_index(_luhn_slots(digits[:-1]), digits[-1])
        if scheme == "cn_ric" and _fpe_shape(token, RIC_CHARS, 18, 18):
            chars = "".join(token[i] for i in _positions(token, RIC_CHARS))
            if chars[:17].isdigit():
                return _slot_index(_ric_slots(chars[:17]), chars[17])
        if scheme in ("cn_ric", "digits"):
            digits = "".join(token[i] for i in _positions(token, DIGITS))
            return _slot_index(_luhn_slots(digits[:-1]), digits[-1])
        if scheme in ("alnum", "email"):
            part = token.rpartition("@")[0] if scheme == "email" else token
            chars = "".join(part[i] for i in _positions(part, ALNUM))
            if chars and chars[-1] in "123456789":
                return int(chars[-1])
    except IndexError:
        pass
    raise TokenError("not_a_token")


def _fpe_shape(token: str, alphabet: str, low: int, high: int) -> bool:
    return low <= len(_positions(token, alphabet)) <= high


def _slot_index(slots: list[str], check: str) -> int:
    if check not in slots:
        raise TokenError("not_a_token")
    return slots.index(check) + 1


def detokenise(token: str, entity: str, scheme: TokenScheme, key: bytes) -> str:
    """The value behind ``token`` (the key must be the one of the token's version)."""
    if _OPAQUE.fullmatch(token):
        return _open_opaque(token, entity, key)
    try:
        if scheme == "luhn" and _fpe_shape(token, DIGITS, 7, 19):
            return _reverse_checked(token, entity, scheme, key, DIGITS, _luhn_check)
        if scheme == "cn_ric" and _fpe_shape(token, RIC_CHARS, 18, 18):
            return _reverse_checked(token, entity, scheme, key, RIC_CHARS, _ric_check)
        if scheme in ("cn_ric", "digits"):
            return _reverse_appended(token, entity, "digits", key, DIGITS)
        if scheme == "alnum":
            return _reverse_appended(token, entity, "alnum", key, ALNUM)
        if scheme == "email":
            local, at, domain = token.rpartition("@")
            if at and local:
                return _reverse_appended(local, entity, "alnum", key, ALNUM) + "@" + domain
    except (_TooShort, ValueError, IndexError):
        pass
    raise TokenError("not_a_token")


def _luhn_check(body: str) -> str:
    return str(luhn.calc_check_digit(body))


def _ric_check(body: str) -> str:
    return str(ric.calc_check_digit(body + "0"))


def _reverse_checked(token: str, entity: str, scheme: str, key: bytes, alphabet: str,
                     check: Callable[[str], str]) -> str:
    positions = _positions(token, alphabet)
    chars = "".join(token[i] for i in positions)
    body = _encipher(chars[:-1], DIGITS, key, _tweak(scheme, entity), decrypt=True)
    return _place(token, positions, body + check(body))


def _reverse_appended(token: str, entity: str, scheme: str, key: bytes, alphabet: str) -> str:
    positions = _positions(token, alphabet)
    chars = "".join(token[i] for i in positions)
    plain = _encipher(chars[:-1], alphabet, key, _tweak(scheme, entity), decrypt=True)
    without = token[: positions[-1]] + token[positions[-1] + 1:]
    return _place(without, positions[:-1], plain)


def _open_opaque(token: str, entity: str, key: bytes) -> str:
    encoded = token.split("_", 1)[1].upper()
    try:
        sealed = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
        return _siv(key).decrypt(sealed, [entity.encode()]).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError):
        raise TokenError("not_a_token") from None
