"""``cn_person``: person names in Chinese text (and Latin-script names among it).

The trained tagger (``tagger.py``) proposes name spans from character statistics and context;
this module turns them into findings: a titled form (张先生, 王经理) keeps only the name part,
a surname before a strong title the tagger missed is added, and every finding says how many of
its leading characters are the surname (``surname_end``) so masking can show 张* or 欧阳*.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from pii_guard.detection.findings import Finding
from pii_guard.detection.ner.lexicon import has_han
from pii_guard.detection.ner.surnames import SurnameTable
from pii_guard.detection.ner.tagger import PersonTagger

# Forms of address after a surname (the longest first: 董事长 before 总). The training corpus
# composes titled names from this same list.
TITLES = (
    "先生",
    "女士",
    "小姐",
    "经理",
    "老师",
    "医生",
    "主任",
    "律师",
    "师傅",
    "阿姨",
    "大夫",
    "护士",
    "专员",
    "主管",
    "科长",
    "处长",
    "局长",
    "董事长",
    "总监",
    "同学",
    "老板",
    "总",
)
# Titles strong enough to make a lone surname before them a name even if the tagger hesitates.
_STRONG_TITLES = ("先生", "女士", "小姐", "经理", "老师", "律师", "医生", "阿姨", "师傅")
_MODEL = "person_tagger.npz"
_FREQUENT = 4  # word-frequency bucket of the dictionary's everyday words (1,000+ occurrences)
_COMMON = 3  # ... and of words common enough that a bare two-character span is the word (100+)


class ChinesePersonRecognizer:
    """PERSON findings with ``attributes={"surname_end": "<n>"}``."""

    name: str = "cn_person"
    entities: tuple[str, ...] = ("PERSON",)

    def __init__(
        self, tagger: PersonTagger, surnames: SurnameTable, *, score: float = 0.85
    ) -> None:
        self._tagger = tagger
        self._surnames = surnames
        self._score = score
        self._strong_title = re.compile("|".join(_STRONG_TITLES))

    @classmethod
    def default(cls) -> ChinesePersonRecognizer:
        """The shipped model and surname table (loaded once per process, then shared)."""
        return _default_person()

    def analyze(self, text: str) -> list[Finding]:
        if not has_han(text):
            return []
        spans: dict[int, int] = {}
        for tagged in self._tagger.spans(text):
            start, end = self._trim(text, tagged.start, tagged.end)
            if end - start == 1 and not text.startswith(TITLES, end):
                continue  # a lone character is a name only as the surname before a title
            if self._plausible(text[start:end]) and not self._word_head(text, start, end):
                spans[start] = end
        for match in self._strong_title.finditer(text):
            end = match.start()
            if text[end - 2 : end] in self._surnames.compound and end >= 2:
                start = end - 2
            elif text[end - 1 : end] in self._surnames.single and end >= 1:
                start = end - 1
            else:
                continue
            if any(s <= start < e for s, e in spans.items()) or self._inside_word(text, start):
                continue
            spans[start] = end
        return [self._finding(text, s, e) for s, e in sorted(spans.items())]

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int]:
        """张先生 -> 张: a span that ends in a title keeps the name before it."""
        for title in TITLES:
            if text.endswith(title, start, end) and end - len(title) > start:
                return start, end - len(title)
        return start, end

    @staticmethod
    def _plausible(span: str) -> bool:
        return any(ch.isalpha() for ch in span) and not span.isdigit()

    def _word_head(self, text: str, start: int, end: int) -> bool:
        """王国里: a frequent everyday word (王国) followed by a character names rarely use;
        张开 / 周到: a two-character span that is itself a common word (unless a title follows)."""
        lex = self._tagger.lexicon
        if end - start == 2:
            common = lex.pair_info(text[start:end]) & 7 >= _COMMON
            return common and not text.startswith(TITLES, end)
        if end - start != 3:
            return False
        frequent = lex.pair_info(text[start : start + 2]) & 7 >= _FREQUENT
        return frequent and lex.given_bucket(text[start + 2]) <= 1

    def _inside_word(self, text: str, start: int) -> bool:
        """关于女士 is not 于女士: the surname character ends a word with the one before it."""
        if start == 0:
            return False
        return self._tagger.lexicon.pair_info(text[start - 1 : start + 1]) > 0

    def _finding(self, text: str, start: int, end: int) -> Finding:
        surname_end = self._surnames.surname_length(text[start:end])
        if end - start <= 1 and surname_end == 0:
            surname_end = 0
        return Finding(
            entity="PERSON",
            start=start,
            end=end,
            score=self._score,
            recognizer=self.name,
            attributes={"surname_end": str(min(surname_end, end - start))},
        )


@functools.cache
def _default_person() -> ChinesePersonRecognizer:
    ref = resources.files("pii_guard.detection.ner") / "data" / _MODEL
    with resources.as_file(ref) as path:
        tagger = PersonTagger.load(path)
    return ChinesePersonRecognizer(tagger, SurnameTable.default())
