"""``pii-guard detect``: JSON lines in, JSON lines out, one error object per bad line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pii_guard.cli import app

LINES = [
    {"id": "a", "text": "客户手机13812345678，身份证号110105199001011232"},
    {"id": "b", "record": {"sjhm": "13812345678", "order_no": "6222021234567890128"}},
    {"id": "c", "text": "没有个人信息"},
]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_detect_writes_one_result_line_per_input_line(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(x, ensure_ascii=False)
                                                for x in LINES])
    result = runner.invoke(app, ["detect", "--input", str(source), "--output",
                                 str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert [(f["entity"], f["start"], f["end"], f["field"]) for f in out[0]["findings"]] == [
        ("CN_MOBILE", 4, 15, None), ("CN_RESIDENT_ID", 20, 38, None)]
    assert out[1]["findings"] == [{"start": 0, "end": 11, "entity": "CN_MOBILE",
                                   "category": "contact", "tier": "C2", "level": 3,
                                   "sensitive": False, "score": 1.0, "field": "$.sjhm"}]
    assert out[2]["findings"] == []


def test_detect_reads_stdin_and_writes_stdout(runner: CliRunner) -> None:
    result = runner.invoke(app, ["detect", "--input", "-", "--output", "-"],
                           input=json.dumps(LINES[0], ensure_ascii=False) + "\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout.splitlines()[0])["id"] == "a"


@pytest.mark.parametrize(("line", "code"), [
    ("not json", "invalid_json"),
    ("[1, 2]", "not_an_object"),
    ('{"id": 7}', "text_or_record"),
    ('{"id": 7, "text": "x", "record": {}}', "text_or_record"),
    ('{"id": 7, "text": 13812345678}', "text_not_string"),
    ('{"id": 7, "record": [1]}', "record_not_object"),
])
def test_a_bad_line_gets_an_error_object_with_its_line_number(
        runner: CliRunner, tmp_path: Path, line: str, code: str) -> None:
    source = write_lines(tmp_path / "in.jsonl", [json.dumps(LINES[2], ensure_ascii=False), line])
    result = runner.invoke(app, ["detect", "-i", str(source), "-o", "-"])
    assert result.exit_code == 0
    first, second = (json.loads(x) for x in result.stdout.splitlines())
    assert first["findings"] == []
    assert second["line"] == 2
    assert second["error"]["code"] == code


def test_errors_never_echo_the_input(runner: CliRunner, tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", ['{"text": "13812345678", "id": 1'])
    result = runner.invoke(app, ["detect", "-i", str(source), "-o", "-"])
    assert "13812345678" not in result.stdout + result.stderr


def test_a_large_input_shows_progress_on_stderr(runner: CliRunner, tmp_path: Path) -> None:
    line = json.dumps({"id": 1, "text": "客户来电，手机13812345678。" + "备注" * 400},
                      ensure_ascii=False)
    source = write_lines(tmp_path / "big.jsonl", [line] * 450)
    assert source.stat().st_size >= 1_000_000
    result = runner.invoke(app, ["detect", "-i", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 0
    assert "detecting" in result.stderr
    assert "450 lines, 450 findings, 0 errors" in result.stderr
