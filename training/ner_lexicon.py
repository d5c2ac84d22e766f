"""Build the tagger's lexicon and the name-composition statistics from licensed sources.

Sources (both may be redistributed in derived form):
- ``pii_guard/detection/ner/data/surnames.tsv``: the project's own surname table.
- jieba 0.42.1 ``dict.txt`` (MIT licence): ~349k words with frequencies and part-of-speech
  tags; gives word boundaries, and its person-name entries give given-name character counts.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

import jieba
import numpy as np

from pii_guard.detection.ner.lexicon import (
    CT_CJK,
    CT_DIGIT,
    CT_DOT,
    CT_LOWER,
    CT_OTHER,
    CT_PUNCT,
    CT_UPPER,
    WORD_PLACE,
    Lexicon,
    pack2,
    word_codes,
)
from pii_guard.detection.ner.surnames import SurnameTable

# Characters common in modern given names (project-authored; complements the dictionary counts
# so that composed names look like today's customers, not only like historical figures).
MODERN_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉建文辉力斌宇浩凯健俊帆帅旭宁龙林欣怡婷"
    "雪琳晨子涵梓轩博一诺雨萱佳思嘉鑫鹏海波东晓红燕玲兰春梅丹萍颖倩莉慧云峰亮成国民志永新金德"
    "安福生荣昊然睿泽铭瑶琪悦彤妍晗熙航宏毅楠薇蕾露璐洁婉姗晶翔鸿鹤飞阳光庆祥瑞康乐喜顺利源"
    "清泉淑贤惠珍珠凤美秋月梦蓉芬芝茜菲蓓媛岚青松柏竹兵武彬昌盛达立伦彦坤鸣杨钧锋锐耀振"
)
# Characters of transliterated foreign names (project-authored).
TRANSLIT = (
    "斯尔克特姆尼奥德拉娜莉伊维格里亚阿巴卡马罗洛布普夫基科诺塔丹恩森顿逊曼琳丽莎艾安贝比彼蒂"
    "迪菲弗加杰凯库兰雷利伦麦米穆纳内帕佩乔萨赛索汤威沃希谢休雅耶约泽詹哈霍鲁舍瓦托西尤欧"
)
_KINSHIP_AND_TITLES = (
    "先生",
    "女士",
    "小姐",
    "太太",
    "夫人",
    "老师",
    "经理",
    "师傅",
    "阿姨",
    "大夫",
    "医生",
    "总",
    "哥",
    "姐",
    "叔",
    "姨",
    "妈",
    "爷",
    "婆",
    "公",
    "嫂",
    "伯",
    "氏",
    "家",
    "某",
    "们",
)


@dataclass(frozen=True)
class NameStats:
    """Weighted characters for composing names, and the bucketed classes used as features."""

    given_chars: dict[str, float]
    translit_chars: dict[str, float]
    dict_names: list[str]  # jieba person-name words that start with a common surname
    dict_translit: list[str]  # jieba transliterated-name words


def jieba_dict_path() -> Path:
    return Path(jieba.__file__).resolve().parent / "dict.txt"


def read_jieba() -> list[tuple[str, int, str]]:
    entries = []
    with jieba_dict_path().open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3:
                entries.append((parts[0], int(parts[1]), parts[2]))
    return entries


def name_stats(entries: list[tuple[str, int, str]], surnames: SurnameTable) -> NameStats:
    given: collections.Counter[str] = collections.Counter()
    trans: collections.Counter[str] = collections.Counter()
    common = {s for s, w in surnames.single.items() if w >= 5}
    dict_names: list[str] = []
    dict_translit: list[str] = []
    for word, _freq, tag in entries:
        if word.endswith(_KINSHIP_AND_TITLES) or word[1:2] in "老小阿":
            continue  # 孙先生, 王阿姨, 张老师 are tagged as names in jieba but are forms of address
        if tag in ("nr", "nrfg") and len(word) == 3 and word[0] in common:
            given.update(word[1:])
            dict_names.append(word)
        elif tag in ("nr", "nrfg") and len(word) == 2 and word[0] in common:
            given.update(word[1])
        elif tag == "nrt" and len(word) >= 3 and all("\u4e00" <= c <= "\u9fff" for c in word):
            trans.update(word)
            dict_translit.append(word)
    for ch in MODERN_GIVEN:
        given[ch] += 150
    for ch in TRANSLIT:
        trans[ch] += 100
    return NameStats(
        given_chars={c: float(n) for c, n in given.items() if n >= 3},
        translit_chars={c: float(n) for c, n in trans.items() if n >= 20},
        dict_names=dict_names,
        dict_translit=dict_translit,
    )


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    return sum(value >= e for e in edges)


def _ctype(cp: int) -> int:
    ch = chr(cp)
    if 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF:
        return CT_CJK
    if ch in "·•・‧":
        return CT_DOT
    if "A" <= ch <= "Z":
        return CT_UPPER
    if "a" <= ch <= "z":
        return CT_LOWER
    if ch.isdigit():
        return CT_DIGIT
    if not ch.isalnum():
        return CT_PUNCT
    return CT_OTHER


def build_lexicon(
    entries: list[tuple[str, int, str]], surnames: SurnameTable, stats: NameStats
) -> Lexicon:
    char_class = np.zeros(65536, dtype=np.uint16)
    for cp in range(65536):
        char_class[cp] = _ctype(cp)
    for ch, weight in surnames.single.items():
        char_class[ord(ch)] |= _bucket(weight, (0.0, 1.0, 30.0)) << 3
    for ch, count in stats.given_chars.items():
        if len(ch) == 1 and ord(ch) < 65536:
            char_class[ord(ch)] |= _bucket(count, (3, 40, 200)) << 5
    for ch, count in stats.translit_chars.items():
        if len(ch) == 1 and ord(ch) < 65536:
            char_class[ord(ch)] |= _bucket(count, (20, 100, 400)) << 7

    infos: dict[str, int] = {}
    for word, freq, tag in entries:
        if not 2 <= len(word) <= 4 or freq < 2:
            continue
        info = _bucket(freq, (2, 10, 100, 1000))
        # jieba's person-name tags are too noisy to be a feature (莫斯科, 田野 and 宁静 carry
        # "nr"); WORD_NAME stays unset. Place tags are kept.
        if tag == "ns":
            info |= WORD_PLACE
        infos[word] = infos.get(word, 0) | info
    tables = []
    for length in (2, 3, 4):
        words = sorted(w for w in infos if len(w) == length)
        codes = word_codes(words)[length - 2]
        order = np.argsort(codes, kind="stable")
        info_arr = np.array([infos[w] for w in words], dtype=np.uint8)[order]
        tables.append((codes[order], info_arr))
    comp = np.array([[ord(c) for c in s] for s in surnames.compound], dtype=np.int64)
    return Lexicon(
        char_class=char_class,
        compound_surnames=np.sort(pack2(comp[:, 0], comp[:, 1])),
        words2=tables[0][0],
        words2_info=tables[0][1],
        words3=tables[1][0],
        words3_info=tables[1][1],
        words4=tables[2][0].astype(np.uint64),
        words4_info=tables[2][1],
    )
