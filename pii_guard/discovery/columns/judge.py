"""The decision for one column: name, comment, type and values weighed together.

1. Text: the comment's label (``comment_core``) and the name are read as phrases. A comment
   that names an entity or an attribute is taken over the name (it is written for people; the
   name is an abbreviation); agreeing readings strengthen each other. Generic words need the
   table: 名称/name holds a person's name only in a person's table (客户信息表), 地址/电话
   not in a thing's table (机构表).
2. Type: a type that cannot hold the entity rules it out (DECIMAL amounts are never mobiles,
   VARCHAR(4) is never an ID number).
3. Values (when at least ``min_values`` were seen): within a family the values pick the member
   (a 证件号码 column of passports is CN_PASSPORT); values that validate confirm the name;
   values that clearly do not validate weigh it down; values that validate as an entity with
   a check digit flag the column whatever its name says (``order_no`` holding card numbers);
   free-text columns holding identifiers in some rows are flagged as containing them.

The confidence of a decision is its combined weight (for ``none``: one minus the best rejected
weight), and the evidence lists every reason, never a value.
"""

from __future__ import annotations

from typing import Any

from pii_guard.discovery.columns.knowledge import ColumnKnowledge
from pii_guard.discovery.columns.names import PhraseReader, Reading, comment_core
from pii_guard.discovery.model import ColumnDecision, ColumnInfo, TableInfo
from pii_guard.discovery.profile import ValueStats

TIER_ORDER = {"C3": 3, "C2": 2, "C1": 1}


class KnowledgeJudge:
    """Implements ``scanner.ColumnJudge`` over ``ColumnKnowledge``; immutable, thread-safe.

    ``contains_min_share`` overrides the knowledge file's share for free-text findings (a full
    scan sees every row, so a handful of rows is enough there)."""

    def __init__(self, knowledge: ColumnKnowledge, reader: PhraseReader | None = None,
                 contains_min_share: float | None = None) -> None:
        self.knowledge = knowledge
        self.reader = reader or PhraseReader(knowledge)
        self.contains_min_share = (knowledge.values.contains_min_share
                                   if contains_min_share is None else contains_min_share)

    def decide(self, table: TableInfo, column: ColumnInfo,
               stats: ValueStats | None) -> ColumnDecision:
        evidence: dict[str, Any] = {"type": column.data_type}
        name = self.reader.read(column.name)
        comment = self.reader.read(comment_core(column.comment)) if column.comment else Reading()
        evidence["name"] = name.evidence()
        if column.comment:
            evidence["comment"] = comment.evidence()
        table_subject = self.reader.subject_of_table(table.name, table.comment)
        name, comment = self._in_context(name, table_subject), self._in_context(comment,
                                                                                table_subject)
        if table_subject is not None:
            evidence["table_subject"] = table_subject
        entity, weight, source = self._from_text(name, comment)
        if entity is not None and not self._type_allows(column, entity, table):
            evidence["type_rules_out"] = entity
            entity, weight, source = None, 0.0, "type"
        usable = stats is not None and stats.values >= self.knowledge.values.min_values
        if stats is not None:
            evidence["values"] = stats.to_evidence()
        rejected = weight
        if usable:
            assert stats is not None
            entity, weight, source = self._weigh_values(column, entity, weight, source, stats)
        if entity is None and stats is not None and column.family in ("text", "other"):
            entity, weight, source = self._contained(column, stats, entity, weight, source)
        evidence["decided_by"] = source
        if entity is None or weight < self.knowledge.threshold:
            if entity is not None:
                evidence["rejected"] = {"entity": entity, "weight": round(weight, 3)}
                rejected = weight
            confidence = 1.0 - rejected if rejected else self._none_confidence(name, comment)
            return ColumnDecision(None, None, None, round(max(0.5, confidence), 3), evidence)
        classification = self.knowledge.taxonomy.classify(entity)
        return ColumnDecision(entity, classification.category, classification.tier,
                              round(min(1.0, weight), 3), evidence)

    # -- text ----------------------------------------------------------------------------------

    @staticmethod
    def _in_context(reading: Reading, table_subject: str | None) -> Reading:
        """Generic words decided by whose table it is."""
        if reading.entity is None or reading.subject == "person":
            return reading
        if reading.needs_person and table_subject != "person":
            return Reading(words=reading.words, attribute="not_a_person")
        if reading.generic and table_subject == "thing":
            return Reading(words=reading.words, attribute="thing")
        return reading

    def _from_text(self, name: Reading, comment: Reading) -> tuple[str | None, float, str]:
        if comment.entity is not None:
            if name.entity is not None and self._related(name.entity, comment.entity):
                return comment.entity, 1 - (1 - comment.weight) * (1 - name.weight), "comment+name"
            return comment.entity, comment.weight, "comment"
        if comment.attribute is not None or comment.subject is not None:
            return None, 0.0, "comment"
        if name.entity is not None:
            return name.entity, name.weight, "name"
        return None, 0.0, "name" if name.attribute is not None else "nothing"

    def _related(self, one: str, other: str) -> bool:
        return one == other or other in self.knowledge.group_of(one)

    def _type_allows(self, column: ColumnInfo, entity: str, table: TableInfo | None = None
                     ) -> bool:
        if table is not None and table.primary_key == (column.name,) \
                and column.family in ("integer", "bigint"):
            return False  # a surrogate key numbers rows, it holds nobody's data
        allowed = self.knowledge.types.get(column.family)
        if allowed is not None and entity not in allowed:
            return False
        if column.family == "text" and column.length is not None:
            return column.length >= self.knowledge.min_length.get(entity, 1)
        return True

    @staticmethod
    def _none_confidence(name: Reading, comment: Reading) -> float:
        if comment.attribute is not None or name.attribute is not None:
            return 0.95
        return 0.8

    # -- values --------------------------------------------------------------------------------

    def _weigh_values(self, column: ColumnInfo, entity: str | None, weight: float, source: str,
                      stats: ValueStats) -> tuple[str | None, float, str]:
        spec = self.knowledge.values
        if entity is not None:
            group = self.knowledge.group_of(entity)
            best = max(sorted(group), key=stats.share)
            if best != entity and stats.share(best) >= spec.refine_share \
                    and stats.share(best) > stats.share(entity):
                entity, source = best, f"{source}+values"
            entity, weight, source = self._confirm_or_refute(entity, weight, source, stats)
        strongest = self._value_only(column, stats)
        if strongest is not None:
            other, share = strongest
            if entity is None or (other not in self.knowledge.group_of(entity)
                                  and share > stats.share(entity)
                                  and weight < self.knowledge.threshold + 0.3):
                return other, 0.5 + 0.5 * share, "values"
        return entity, weight, source

    def _confirm_or_refute(self, entity: str, weight: float, source: str,
                           stats: ValueStats) -> tuple[str, float, str]:
        spec = self.knowledge.values
        if entity in spec.checkable:
            share = stats.share(entity)
            if share >= spec.confirm_share:
                return entity, min(1.0, weight + spec.confirm_weight * share), \
                    f"{source}+values"
            masked = stats.shape_share("masked")
            if share <= spec.refute_share and masked < 0.5:
                return entity, weight - spec.refute_weight, f"{source}-values"
            return entity, weight, source
        shapes = spec.shapes.get(entity)
        if shapes:
            share = min(1.0, stats.share(entity) + sum(stats.shape_share(s) for s in shapes))
            if share >= spec.confirm_share:
                return entity, min(1.0, weight + spec.confirm_weight * share), \
                    f"{source}+values"
            plain = stats.shape_share("number") + stats.shape_share("code")
            if share <= spec.refute_share and plain >= 0.8:
                return entity, weight - spec.refute_weight, f"{source}-values"
        return entity, weight, source

    def _value_only(self, column: ColumnInfo, stats: ValueStats) -> tuple[str, float] | None:
        found: list[tuple[float, str]] = []
        for entity, needed in self.knowledge.values.value_only.items():
            share = stats.share(entity)
            if share >= needed and self._type_allows(column, entity):
                found.append((share, entity))
        if not found or stats.distinct_share() < 0.1:
            return None
        share, entity = max(found)
        return entity, share

    def _contained(self, column: ColumnInfo, stats: ValueStats, entity: str | None,
                   weight: float, source: str) -> tuple[str | None, float, str]:
        spec = self.knowledge.values
        long_text = column.length is None or column.length >= spec.contains_min_length
        if not long_text and stats.shape_share("text") < spec.contains_text_share:
            return entity, weight, source
        found: list[tuple[int, int, str]] = []
        for candidate in spec.contains:
            count = stats.contains[candidate]
            if count >= spec.contains_min_values and \
                    count >= self.contains_min_share * stats.values:
                tier = self.knowledge.taxonomy.classify(candidate).tier
                found.append((TIER_ORDER.get(tier, 0), count, candidate))
        if not found:
            return entity, weight, source
        _, _, best = max(found)
        return best, max(self.knowledge.threshold, 0.6), "contains"
