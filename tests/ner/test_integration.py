"""PERSON and ADDRESS come out of the default rule pack: Detector, taxonomy tiers, CLI and API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from pii_guard.classification.pack import load_rule_pack
from pii_guard.cli import app
from pii_guard.detection.engine import Detector
from tests.conftest import bearer

TEXT = "客户张伟来电，地址上海市浦东新区世纪大道100号1幢1201室，手机13812345678。"


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector.from_pack(load_rule_pack())


def test_default_pack_runs_the_name_and_address_recognisers(detector: Detector) -> None:
    assert detector.skipped == ()
    assert {"PERSON", "ADDRESS"} <= detector.entities


def test_scan_text_reports_person_and_address_with_attributes(detector: Detector) -> None:
    found = {f.entity: f for f in detector.scan_text(TEXT)}
    person, address = found["PERSON"], found["ADDRESS"]
    assert TEXT[person.start : person.end] == "张伟"
    assert person.attributes == {"surname_end": "1"}
    assert TEXT[address.start : address.end] == "上海市浦东新区世纪大道100号1幢1201室"
    assert address.attributes == {"precision": "full", "coarse_end": "7"}
    assert "CN_MOBILE" in found


def test_person_and_address_are_tier_c2(detector: Detector) -> None:
    taxonomy = load_rule_pack().taxonomy
    assert taxonomy.classify("PERSON").category == "personal_name"
    assert taxonomy.classify("PERSON").tier == "C2"
    assert taxonomy.classify("ADDRESS").category == "address"
    assert taxonomy.classify("ADDRESS").tier == "C2"


def test_scan_record_finds_names_in_fields(detector: Detector) -> None:
    found = detector.scan_record({"note": "投保人欧阳娜娜申请退保"})
    assert [(f.entity, f.field, f.attributes.get("surname_end")) for f in found] == [
        ("PERSON", "$.note", "2")
    ]


def test_cli_detect_writes_person_and_address_findings(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 1, "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["detect", "--input", str(source)])
    assert result.exit_code == 0, result.output
    [line] = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    tiers = {f["entity"]: f["tier"] for f in line["findings"]}
    assert tiers["PERSON"] == "C2"
    assert tiers["ADDRESS"] == "C2"


def test_api_classify_reports_person_and_address_as_c2(
    client: TestClient, demo_keys: dict[str, str]
) -> None:
    response = client.post(
        "/v1/classify", json={"text": TEXT}, headers=bearer(demo_keys["crm-service"])
    )
    assert response.status_code == 200
    found = {f["entity"]: f for f in response.json()["findings"]}
    assert (found["PERSON"]["start"], found["PERSON"]["end"]) == (2, 4)
    assert (found["PERSON"]["category"], found["PERSON"]["tier"]) == ("personal_name", "C2")
    assert (found["ADDRESS"]["category"], found["ADDRESS"]["tier"]) == ("address", "C2")
    assert "张伟" not in response.text
