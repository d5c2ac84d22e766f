"""``pii-guard detect``: classify JSON lines from a file or stdin, write findings as JSON lines.

Input lines are ``{"id": ..., "text": "..."}`` or ``{"id": ..., "record": {...}}``. Each output
line is ``{"id": ..., "findings": [{"start", "end", "entity", "category", "tier", "level",
"sensitive", "score", "field"}]}`` in input order, or, for a line that cannot be classified,
``{"id": ..., "line": N, "error": {"code", "message"}}``: one bad line never stops the run nor
disappears silently. The same size limits as the API apply per line. Progress goes to stderr
for inputs of a megabyte or more; no value ever reaches stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console

PROGRESS_MIN_BYTES = 1_000_000


def detect(
    input_path: Annotated[str, typer.Option("--input", "-i", help="JSON-lines file, or - for "
                                            "stdin.")] = "-",
    output_path: Annotated[str, typer.Option("--output", "-o", help="Where to write findings, "
                                             "or - for stdout.")] = "-",
) -> None:
    """Detect and classify personal data in JSON lines of texts or records."""
    from pii_guard.classification.pack import load_rule_pack
    from pii_guard.cli import reported, settings_from_cli
    from pii_guard.detection.engine import Detector
    from pii_guard.logs import configure_logging

    settings = settings_from_cli()
    configure_logging(settings)  # to stderr: stdout may carry the findings
    with reported():
        pack = load_rule_pack(extra=settings.rule_packs)
        detector = Detector.from_pack(pack)
    err = Console(stderr=True, highlight=False)
    with ExitStack() as stack:
        source: IO[str] = sys.stdin if input_path == "-" else stack.enter_context(
            Path(input_path).open(encoding="utf-8"))
        target: IO[str] = sys.stdout if output_path == "-" else stack.enter_context(
            Path(output_path).open("w", encoding="utf-8"))
        size = Path(input_path).stat().st_size if input_path != "-" else 0
        runner = _Runner(detector, pack.taxonomy, settings.max_text_chars,
                         settings.max_record_fields)
        lines = _with_progress(source, size, err, stack)
        for number, line in lines:
            target.write(json.dumps(runner.run(number, line), ensure_ascii=False) + "\n")
    err.print(f"{runner.lines} lines, {runner.findings} findings, {runner.errors} errors",
              markup=False)
    if runner.errors and runner.errors == runner.lines:
        raise typer.Exit(1)


def _with_progress(source: IO[str], size: int, err: Console,
                   stack: ExitStack) -> Iterator[tuple[int, str]]:
    if size < PROGRESS_MIN_BYTES:
        yield from enumerate(source, start=1)
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    progress = stack.enter_context(Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=False))
    task = progress.add_task("detecting", total=size)
    for number, line in enumerate(source, start=1):
        yield number, line
        progress.advance(task, len(line.encode("utf-8")))


class _Runner:
    def __init__(self, detector: Any, taxonomy: Any, max_chars: int, max_fields: int) -> None:
        self.detector = detector
        self.taxonomy = taxonomy
        self.max_chars = max_chars
        self.max_fields = max_fields
        self.lines = self.findings = self.errors = 0

    def run(self, number: int, line: str) -> dict[str, Any]:
        from pii_guard.classification.service import (
            check_record,
            check_text,
            classify_record,
            classify_text,
        )
        from pii_guard.errors import InvalidRequest, PiiGuardError

        self.lines += 1
        item_id: Any = None
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                raise InvalidRequest("invalid_json", "the line is not JSON") from None
            if not isinstance(item, dict):
                raise InvalidRequest("not_an_object", "the line is not a JSON object")
            item_id = item.get("id")
            has_text, has_record = "text" in item, "record" in item
            if has_text == has_record:
                raise InvalidRequest("text_or_record", "give exactly one of text or record")
            if has_text:
                if not isinstance(item["text"], str):
                    raise InvalidRequest("text_not_string", "text must be a string")
                check_text(item["text"], self.max_chars)
                found = classify_text(self.detector, self.taxonomy, item["text"])
            else:
                check_record(item["record"], self.max_fields)
                found = classify_record(self.detector, self.taxonomy, item["record"])
        except PiiGuardError as error:
            self.errors += 1
            return {"id": item_id, "line": number,
                    "error": {"code": error.code, "message": error.message}}
        self.findings += len(found)
        return {"id": item_id, "findings": [f.as_dict() for f in found]}
