"""The column knowledge file is validated on load; a broken file names itself and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii_guard.classification.pack import RulePackError, load_rule_pack
from pii_guard.discovery.columns.knowledge import load_column_knowledge
from pii_guard.resources import classifiers_dir

SHIPPED = (classifiers_dir() / "columns.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("change", "message"), [
    (("    person: [客户,", "    person: [sfzh, 客户,"), "'sfzh' is already listed as term"),
    (("    - entity: CN_PASSPORT\n", "    - entity: CN_PASSPORT_NO\n"),
     "unknown entity CN_PASSPORT_NO"),
    (("  threshold: 0.5", "  threshold: 1.5"), "threshold"),
    (("columns:", "kolumns:"), "columns"),
])
def test_a_broken_knowledge_file_stops_loading_with_file_and_rule_named(
        tmp_path: Path, change: tuple[str, str], message: str) -> None:
    broken = tmp_path / "columns.yaml"
    assert change[0] in SHIPPED
    broken.write_text(SHIPPED.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_column_knowledge(load_rule_pack(), broken)
    assert str(broken) in caught.value.message
    assert message in caught.value.message


def test_names_of_the_field_name_dictionary_are_reused_for_columns() -> None:
    knowledge = load_column_knowledge(load_rule_pack())
    # listed only in field_names.yaml, read here as a term of its strongest entity
    shared = knowledge.words["khzh"]
    assert shared.term is not None
    assert shared.term.entity == "BANK_ACCOUNT"
