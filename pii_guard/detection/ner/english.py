"""``en_person``: person names in English text, from cues and a list of given names.

No English NER model ships (spaCy models cannot be downloaded here, and a blank pipeline has no
entity recogniser), so this is deliberately simple: a run of one to three capitalised words is a
name when a cue precedes it (Mr., Dr., "my name is", "Name:", "called", "this is"), when it
starts with a common given name, or when it opens a line of a letter or a dialogue ("Lisa:").
"""

from __future__ import annotations

import re

from pii_guard.detection.findings import Finding

# Common given names (project-authored, English-speaking and European); lowercase.
GIVEN_NAMES = frozenset(
    [
        "aaron",
        "adam",
        "adrian",
        "alan",
        "albert",
        "alex",
        "alexander",
        "alice",
        "amanda",
        "amy",
        "andrea",
        "andrew",
        "angela",
        "anna",
        "anne",
        "anthony",
        "antonio",
        "arthur",
        "barbara",
        "ben",
        "benjamin",
        "betty",
        "bill",
        "bob",
        "brandon",
        "brian",
        "bruce",
        "carl",
        "carla",
        "carlos",
        "carol",
        "caroline",
        "catherine",
        "charles",
        "charlotte",
        "chris",
        "christian",
        "christina",
        "christine",
        "christopher",
        "claire",
        "daniel",
        "david",
        "deborah",
        "dennis",
        "diana",
        "diane",
        "donald",
        "donna",
        "dorothy",
        "douglas",
        "dustin",
        "edward",
        "elena",
        "elizabeth",
        "ellen",
        "emily",
        "emma",
        "eric",
        "eva",
        "evelyn",
        "frank",
        "gary",
        "george",
        "gerald",
        "giovanni",
        "gloria",
        "grace",
        "gregory",
        "hannah",
        "hanna",
        "harold",
        "harry",
        "helen",
        "henry",
        "isabella",
        "jack",
        "jacob",
        "james",
        "jane",
        "janet",
        "jason",
        "jay",
        "jean",
        "jeff",
        "jeffrey",
        "jennifer",
        "jeremy",
        "jerry",
        "jessica",
        "joan",
        "joe",
        "john",
        "johnny",
        "jonathan",
        "jose",
        "joseph",
        "joshua",
        "juan",
        "judith",
        "julia",
        "julie",
        "justin",
        "karen",
        "katherine",
        "kathleen",
        "kelly",
        "kenneth",
        "kevin",
        "kimberly",
        "larry",
        "laura",
        "lauren",
        "lisa",
        "louis",
        "lucas",
        "luis",
        "margaret",
        "maria",
        "marie",
        "mario",
        "mark",
        "martha",
        "martin",
        "mary",
        "matthew",
        "megan",
        "melissa",
        "michael",
        "michelle",
        "mike",
        "nancy",
        "natasha",
        "nathan",
        "nicholas",
        "nicole",
        "olivia",
        "pamela",
        "patricia",
        "patrick",
        "paul",
        "peter",
        "philip",
        "rachel",
        "ralph",
        "randy",
        "raymond",
        "rebecca",
        "richard",
        "robert",
        "roger",
        "ronald",
        "rose",
        "ruth",
        "ryan",
        "samantha",
        "samuel",
        "sandra",
        "sara",
        "sarah",
        "scott",
        "sean",
        "sharon",
        "shirley",
        "sophia",
        "stephanie",
        "stephen",
        "steven",
        "susan",
        "teresa",
        "thomas",
        "timothy",
        "tom",
        "tyler",
        "victoria",
        "vincent",
        "virginia",
        "walter",
        "wayne",
        "william",
        "zachary",
        "hans",
        "klaus",
        "jan",
        "jens",
        "lars",
        "anders",
        "ole",
        "erik",
        "nils",
        "sven",
        "ingrid",
        "astrid",
        "fatima",
        "ahmed",
        "mohammed",
        "ali",
        "omar",
        "leila",
        "ivan",
        "olga",
        "sergei",
        "dmitri",
        "natalia",
        "pierre",
        "jacques",
        "francois",
        "sophie",
        "lucie",
        "marco",
        "luca",
        "giulia",
        "francesca",
        "pablo",
        "carmen",
        "javier",
        "miguel",
        "sofia",
        "lucia",
        "wei",
        "li",
        "chen",
        "wang",
        "zhang",
    ]
)
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿA-ZÀ-ÖØ-Þ'\-]+"
_NAME = rf"{_CAP}(?:\s+(?:[A-Z]\.?\s+)?{_CAP}){{0,2}}"
_CUED = re.compile(
    rf"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Madam)\.?\s+|\b[Mm]y name is\s+|\bName:\s*|\bcalled\s+"
    rf"|\bthis is\s+|\bDear\s+|\bsays\s+|\bby\s+)(?P<name>{_NAME})"
)
_LINE_START = re.compile(rf"(?m)^[>?\s]*(?P<name>{_NAME})(?=\s*(?::|\n|$))")
_ANY = re.compile(rf"\b(?P<name>{_NAME})")
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "i",
        "it",
        "this",
        "that",
        "he",
        "she",
        "we",
        "they",
        "you",
        "my",
        "your",
        "our",
        "his",
        "her",
        "their",
        "mr",
        "mrs",
        "dr",
        "ms",
        "name",
        "date",
        "phone",
        "address",
        "suite",
        "street",
        "road",
        "apt",
        "box",
        "inc",
        "llc",
        "ltd",
        "company",
        "hello",
        "hi",
        "dear",
        "thanks",
        "thank",
        "please",
        "yes",
        "no",
        "ok",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


class EnglishPersonRecognizer:
    """PERSON findings in Latin-script text; ``surname_end`` is "0" (no leading surname)."""

    name: str = "en_person"
    entities: tuple[str, ...] = ("PERSON",)

    def __init__(self, given_names: frozenset[str] = GIVEN_NAMES, *, score: float = 0.6) -> None:
        self._given = given_names
        self._score = score

    @classmethod
    def default(cls) -> EnglishPersonRecognizer:
        return cls()

    def analyze(self, text: str) -> list[Finding]:
        spans: dict[int, int] = {}
        for pattern in (_CUED, _LINE_START):
            for match in pattern.finditer(text):
                self._add(spans, match.start("name"), match.end("name"), text)
        for match in _ANY.finditer(text):
            first = match.group("name").split()[0].lower()
            if first in self._given:
                self._add(spans, match.start("name"), match.end("name"), text)
        return [
            Finding(
                entity="PERSON",
                start=s,
                end=e,
                score=self._score,
                recognizer=self.name,
                attributes={"surname_end": "0"},
            )
            for s, e in sorted(spans.items())
        ]

    @staticmethod
    def _add(spans: dict[int, int], start: int, end: int, text: str) -> None:
        words = text[start:end].split()
        while words and words[0].lower().strip(".") in _STOP:
            start += text[start:end].index(words[0]) + len(words[0])
            start += len(text[start:end]) - len(text[start:end].lstrip())
            words = words[1:]
        while words and words[-1].lower().strip(".") in _STOP:
            end = start + text[start:end].rindex(words[-1])
            end = start + len(text[start:end].rstrip())
            words = words[:-1]
        if not words or any(s <= start < e or start <= s < end for s, e in spans.items()):
            return
        spans[start] = end
