"""Reading a column name, a comment or a table name as a short phrase whose head comes last.

``PhraseReader.read("khzjhm")`` cuts the text into known words (客户 + 证件号码), then reads
them left to right: a term sets the entity, an attribute after it turns the phrase into a
description of that entity (证件号码类型 is a type, not a number), a continuation keeps it
(出生 + 日期), a subject tells whose it is (客户 yes, 机构 no). The result is a ``Reading``
that lists the words it used, so every decision can show its reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pii_guard.classification.fieldnames import tokens_of
from pii_guard.discovery.columns.knowledge import ColumnKnowledge, Term, Word, normal_word

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_COMMENT_CUT = re.compile(r"[(（\[【:：,，;；/|、\s。.=]|\d+[-.:：、]")
_TRAILING_DIGITS = re.compile(r"^([a-z]+?)\d+$")
MAX_PHRASE_TOKENS = 4
Subject = Literal["person", "thing"]


@dataclass(frozen=True, slots=True)
class Reading:
    """What one phrase says: an entity (with the term's weight), or an attribute head, or
    nothing. ``needs_person``/``generic`` ask the table whose data it is."""

    entity: str | None = None
    weight: float = 0.0
    words: tuple[str, ...] = ()
    attribute: str | None = None  # role of the head word when the phrase describes, not holds
    subject: Subject | None = None
    needs_person: bool = False
    generic: bool = False

    @property
    def silent(self) -> bool:
        return self.entity is None and self.attribute is None

    def evidence(self) -> dict[str, Any]:
        found: dict[str, Any] = {"words": list(self.words)}
        if self.entity is not None:
            found.update(entity=self.entity, weight=round(self.weight, 3))
        if self.attribute is not None:
            found["attribute"] = self.attribute
        if self.subject is not None:
            found["subject"] = self.subject
        return found


class PhraseReader:
    """Reads names and comments with one ``ColumnKnowledge`` (immutable, thread-safe)."""

    def __init__(self, knowledge: ColumnKnowledge) -> None:
        self.knowledge = knowledge
        words = knowledge.words
        self._cjk = sorted((w for w in words if _CJK_RUN.search(w)), key=len, reverse=True)
        self._cjk_max = max((len(w) for w in self._cjk), default=1)
        self._cjk_set = set(self._cjk)
        self._latin_single = {w for w in words if " " not in w and not _CJK_RUN.search(w)}
        self.read = lru_cache(maxsize=50_000)(self._read)
        self.words_of = lru_cache(maxsize=50_000)(self._words_of)

    # -- cutting text into known words -------------------------------------------------------

    def _words_of(self, text: str) -> tuple[Word, ...]:
        found: list[Word] = []
        position = 0
        for match in _CJK_RUN.finditer(text):
            found.extend(self._latin_words(text[position:match.start()]))
            found.extend(self._cjk_words(match.group()))
            position = match.end()
        found.extend(self._latin_words(text[position:]))
        return tuple(found)

    def _cjk_words(self, run: str) -> list[Word]:
        """Forward maximum matching over the Chinese words; unknown characters are skipped."""
        found: list[Word] = []
        i = 0
        while i < len(run):
            for size in range(min(self._cjk_max, len(run) - i), 0, -1):
                piece = run[i:i + size]
                if piece in self._cjk_set:
                    found.append(self.knowledge.words[piece])
                    i += size
                    break
            else:
                i += 1
        return found

    def _latin_words(self, text: str) -> list[Word]:
        tokens = tokens_of(text)
        found: list[Word] = []
        i = 0
        words = self.knowledge.words
        while i < len(tokens):
            for size in range(min(MAX_PHRASE_TOKENS, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i:i + size])
                if phrase in words:
                    found.append(words[phrase])
                    i += size
                    break
            else:
                found.extend(words[part] for part in self._split(tokens[i]))
                i += 1
        return found

    def _split(self, token: str) -> list[str]:
        """A token as known words run together (``custmobileno``), covering it whole; fewest
        pieces win. Trailing digits (``addr2``) are dropped."""
        digits = _TRAILING_DIGITS.match(token)
        if digits and digits.group(1) in self._latin_single:
            return [digits.group(1)]
        if len(token) > 40 or not token.isalpha():
            return []
        best: list[list[str] | None] = [None] * (len(token) + 1)
        best[0] = []
        for end in range(2, len(token) + 1):
            for start in range(0, end - 1):
                head = best[start]
                piece = token[start:end]
                if head is None or piece not in self._latin_single:
                    continue
                candidate = [*head, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
        return best[len(token)] or []

    # -- reading the words -------------------------------------------------------------------

    def _read(self, text: str) -> Reading:
        words = self.words_of(text)
        if not words:
            return Reading()
        knowledge = self.knowledge
        first = words[0]
        names = tuple(w.text for w in words)
        if (first.kind == "attribute" and first.role == "flag") or \
                normal_word(first.text) in knowledge.flag_prefixes:
            return Reading(words=names, attribute="flag")
        term: Term | None = None
        attribute: str | None = None
        subject: Subject | None = None
        term_subject: Subject | None = None
        for index, word in enumerate(words):
            last = index == len(words) - 1
            if term is not None and last and normal_word(word.text) in knowledge.trailing:
                continue
            continuing = knowledge.continues.get(term.entity, frozenset()) if term else ()
            if term is not None and normal_word(word.text) in continuing:
                continue
            if word.kind == "term" and word.term is not None:
                if subject == "thing" and not word.term.thing_ok and word.term.entity != "PERSON":
                    term, attribute = None, "thing"
                    continue
                if subject == "thing" and word.term.needs_person:
                    term, attribute = None, "thing"
                    continue
                term, attribute, term_subject = word.term, None, subject
                if word.term.entity == "PERSON" and not word.term.needs_person:
                    subject = "person"
            elif word.kind in ("person", "thing"):
                subject = "person" if word.kind == "person" else "thing"
            elif word.kind == "attribute":
                if term is not None:
                    becomes = dict(word.becomes).get(term.entity)
                    if becomes is not None:
                        term = Term(becomes, term.weight)
                        continue
                    term, attribute = None, word.role
                elif attribute is None:
                    attribute = word.role
        if term is None:
            return Reading(words=names, attribute=attribute, subject=subject)
        return Reading(entity=term.entity, weight=term.weight, words=names,
                       subject=term_subject or (subject if subject == "person" else None),
                       needs_person=term.needs_person, generic=term.generic)

    def subject_of_table(self, name: str, comment: str | None) -> Subject | None:
        """Whose rows a table holds: the last person or thing word of its name, else of its
        comment (客户信息表 -> person, t_branch -> thing)."""
        for text in (name, comment or ""):
            subject: Subject | None = None
            for word in self.words_of(text):
                if word.kind == "person" or (word.kind == "term" and word.term is not None
                                             and word.term.entity == "PERSON"
                                             and not word.term.needs_person):
                    subject = "person"
                elif word.kind == "thing":
                    subject = "thing"
            if subject is not None:
                return subject
        return None


def comment_core(comment: str) -> str:
    """The label part of a column comment: '证件类型 1-身份证 2-护照' -> '证件类型'."""
    for piece in _COMMENT_CUT.split(comment.strip()):
        if piece.strip():
            return piece.strip()
    return ""
