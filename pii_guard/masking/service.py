"""``Treatments``: apply a decided treatment to one value or to spans of a text.

Rules come from ``classifiers/treatments.yaml`` (compiled once); keys from the ``KeyRing``.
Tier C3 (authentication secrets) is always redacted, whatever treatment is asked: the
invariant of ``pii_guard.authz.treatments`` holds here too, as the last line of defence.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pii_guard.authz.treatments import C3_TIER, Treatment
from pii_guard.classification.taxonomy import Taxonomy
from pii_guard.detection.findings import Finding
from pii_guard.masking import masks, tokens
from pii_guard.masking.errors import TokenError
from pii_guard.masking.keyring import KeyRing
from pii_guard.masking.rules import RuleBook

_EMPTY: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True)
class TreatedText:
    """The treated text and, per input span (same order), its offsets in that text."""

    text: str
    offsets: list[tuple[int, int]]


def redact(entity: str) -> str:
    return f"<{entity}>"


class Treatments:
    """Mask, generalise, token, hash and redact, per entity rule."""

    def __init__(self, rules: RuleBook, taxonomy: Taxonomy, keys: KeyRing) -> None:
        self.rules = rules
        self.keys = keys
        self._c3 = frozenset(e for e in taxonomy.entities
                             if taxonomy.classify(e).tier == C3_TIER)

    def apply(self, value: str, *, entity: str, treatment: Treatment,
              attributes: Mapping[str, str] = _EMPTY, subject_id: str | None = None) -> str:
        """The value as this treatment shows it. ``deny`` is the caller's job (drop the
        field): asking for it here is a programming error (ValueError)."""
        if treatment is Treatment.DENY:
            raise ValueError("deny is applied by the caller, by dropping the field")
        if entity in self._c3 or treatment is Treatment.REDACT:
            return redact(entity)
        if treatment is Treatment.CLEAR:
            return value
        rules = self.rules.for_entity(entity)
        if treatment is Treatment.MASK:
            return masks.mask(value, rules.mask, attributes)
        if treatment is Treatment.GENERALISE:
            general = None
            if rules.generalise is not None:
                general = masks.generalise(value, rules.generalise, attributes)
            return general if general is not None else masks.mask(value, rules.mask, attributes)
        if treatment is Treatment.TOKEN:
            try:
                version, key = self.keys.token_key(subject_id)
            except TokenError as exc:
                if exc.code == "subject_key_shredded":
                    return redact(entity)  # an erased subject gets no new linkable tokens
                raise
            return tokens.tokenise(value, entity, rules.token.scheme, key, version)
        if treatment is Treatment.HASH:
            return self.hash(value, entity=entity)
        raise ValueError(f"unknown treatment {treatment!r}")

    def hash(self, value: str, *, entity: str) -> str:
        """HMAC-SHA-256 (hex) of the entity and the value in canonical form (separators and
        case do not change the hash of a number or an e-mail address)."""
        message = f"{entity}\x00{self._canonical(value, entity)}".encode()
        return hmac.new(self.keys.hash_key, message, hashlib.sha256).hexdigest()

    def _canonical(self, value: str, entity: str) -> str:
        scheme = self.rules.for_entity(entity).token.scheme
        if scheme in ("luhn", "cn_ric", "digits", "alnum"):
            return "".join(ch for ch in value if ch.isalnum()).upper()
        if scheme == "email":
            return value.strip().lower()
        return value.strip()

    def apply_to_text(self, text: str, spans: Sequence[tuple[Finding, Treatment]], *,
                      subject_id: str | None = None) -> TreatedText:
        """Replace each span (non-overlapping, any order) by its treated value; everything
        outside the spans is kept as is. ``deny`` spans are removed entirely."""
        order = sorted(range(len(spans)), key=lambda i: (spans[i][0].start, spans[i][0].end))
        pieces: list[str] = []
        offsets: list[tuple[int, int]] = [(0, 0)] * len(spans)
        cursor = 0
        length = 0
        for index in order:
            finding, treatment = spans[index]
            if finding.start < cursor or finding.end > len(text):
                raise ValueError("spans overlap or run past the end of the text")
            before = text[cursor:finding.start]
            pieces.append(before)
            length += len(before)
            value = text[finding.start:finding.end]
            treated = "" if treatment is Treatment.DENY else self.apply(
                value, entity=finding.entity, treatment=treatment,
                attributes=finding.attributes, subject_id=subject_id)
            pieces.append(treated)
            offsets[index] = (length, length + len(treated))
            length += len(treated)
            cursor = finding.end
        pieces.append(text[cursor:])
        return TreatedText("".join(pieces), offsets)

    def detokenize(self, token: str, *, entity: str, subject_id: str | None = None) -> str:
        """The value behind a token. TokenError: not a token of this entity, a key version
        the tenant does not hold, or a subject whose key was shredded."""
        scheme = self.rules.for_entity(entity).token.scheme
        version = tokens.opaque_version(token)
        if version is None:
            version = self.keys.version_for(tokens.fpe_slot(token, entity, scheme))
        key = self.keys.key_for(version, subject_id)
        return tokens.detokenise(token, entity, scheme, key)
