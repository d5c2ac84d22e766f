"""Rule packs: a broken pack stops start-up naming its file and rule; a deployment adds its own
pack without code; plug-in recognisers join by name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from pii_guard.classification.pack import RulePackError, default_pack_paths, load_rule_pack
from pii_guard.config import load_settings
from pii_guard.detection.engine import Detector
from pii_guard.detection.findings import Finding
from pii_guard.detection.registry import RecognizerRegistry, default_registry
from pii_guard.errors import ConfigurationError

PACKS = Path(__file__).parent / "data" / "rule_packs"
BROKEN = PACKS / "broken"

BROKEN_PACKS = [
    # (file, the rule or place the message must name, a word of the problem)
    ("bad_regex.yaml", "unbalanced_policy", "cannot be compiled"),
    ("lookaround.yaml", "lookbehind_mobile", "cannot be compiled"),
    ("unknown_validator.yaml", "policy_with_checksum", "unknown validator"),
    ("unknown_entity.yaml", "loyalty_card", "not mapped to a category"),
    ("score_out_of_range.yaml", "generous_policy", "score"),
    ("duplicate_rule.yaml", "cn_mobile", "duplicates"),
    ("unknown_category.yaml", "LOYALTY_CARD", "not defined"),
    ("bad_tier.yaml", "loyalty_programme", "tier"),
    ("missing_plugin.yaml", "person_from_model", "not registered"),
    ("not_yaml.yaml", "file", "YAML"),
    ("unknown_field.yaml", "policy_typo", "contxt"),
    ("context_required_without_words.yaml", "silent_policy", "context"),
]


@pytest.mark.parametrize(("name", "where", "problem"), BROKEN_PACKS)
def test_a_broken_pack_stops_start_up_naming_file_and_rule(name: str, where: str,
                                                           problem: str) -> None:
    with pytest.raises(RulePackError) as caught:
        Detector.from_pack(load_rule_pack(extra=[BROKEN / name]), RecognizerRegistry())
    message = str(caught.value)
    assert str(BROKEN / name) in message
    assert where in message
    assert problem in message
    assert caught.value.code == "invalid_rule_pack"


def test_every_broken_fixture_is_in_the_table() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(n for n, _, _ in BROKEN_PACKS)


def test_a_missing_pack_path_is_refused_by_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(rule_packs=str(tmp_path / "nowhere"))
    assert "PII_GUARD_RULE_PACKS" in caught.value.message


def test_settings_read_several_pack_paths_from_one_variable(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("PII_GUARD_RULE_PACKS", f"{tmp_path / 'a.yaml'},{PACKS / 'deployment'}")
    assert load_settings().rule_packs == [tmp_path / "a.yaml", PACKS / "deployment"]


def test_a_deployment_pack_adds_its_own_policy_number_format_without_code() -> None:
    text = "客户名下ACSH202311050001已生效"
    default = Detector.from_pack(load_rule_pack(), RecognizerRegistry())
    assert [f.entity for f in default.scan_text(text)] == []
    extended = Detector.from_pack(load_rule_pack(extra=[PACKS / "deployment"]),
                                  RecognizerRegistry())
    findings = extended.scan_text(text)
    assert [(f.entity, text[f.start:f.end]) for f in findings] == [
        ("POLICY_NUMBER", "ACSH202311050001")]


def test_a_deployment_pack_adds_an_entity_with_its_category_and_field_names() -> None:
    pack = load_rule_pack(extra=[PACKS / "deployment"])
    detector = Detector.from_pack(pack, RecognizerRegistry())
    assert pack.taxonomy.classify("ACME_MEMBER_ID").category == "insurance_record"
    assert [f.field for f in detector.scan_record({"hyh": "M-12345678"})] == ["$.hyh"]
    assert detector.scan_text("编号M-12345678") == []


def test_the_default_pack_loads_without_the_name_and_address_recognisers() -> None:
    detector = Detector.from_pack(load_rule_pack(), RecognizerRegistry())
    assert set(detector.skipped) == {"person_name", "postal_address"}
    assert "PERSON" not in detector.entities


class FakePersonRecognizer:
    """Implements TextRecognizer: finds the names it is given, as the ner recogniser would."""

    name = "cn_person"
    entities = ("PERSON",)

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.names = list(options.get("names", ["张三"]))

    def analyze(self, text: str) -> list[Finding]:
        found = []
        for name in self.names:
            start = text.find(name)
            if start >= 0:
                found.append(Finding("PERSON", start, start + len(name), 0.85,
                                     recognizer=self.name, attributes={"surname_end": "1"}))
        return found


def test_a_registered_recogniser_joins_the_engine_by_the_name_the_pack_gives() -> None:
    registry = RecognizerRegistry()
    registry.register("cn_person", FakePersonRecognizer)
    detector = Detector.from_pack(load_rule_pack(), registry)
    text = "客户张三，手机13812345678"
    assert [(f.entity, text[f.start:f.end]) for f in detector.scan_text(text)] == [
        ("PERSON", "张三"), ("CN_MOBILE", "13812345678")]
    assert detector.skipped == ("postal_address",)
    person = detector.scan_record({"khxm": "张三"})[0]
    assert (person.field, person.attributes) == ("$.khxm", {"surname_end": "1"})
    assert person.score > detector.scan_text("张三")[0].score  # the field name is evidence


def test_the_default_registry_starts_without_plugin_modules() -> None:
    assert default_registry(modules=("pii_guard.detection.no_such_plugin",)).names == ()


def test_default_pack_files_exist_and_list_the_taxonomy_first() -> None:
    paths = default_pack_paths()
    assert paths[0].name == "taxonomy.yaml"
    assert all(p.exists() for p in paths)
