"""An installed (non-editable) pii-guard finds its rule packs and policies inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("pii_guard-*.whl"))


@pytest.mark.slow
def test_wheel_carries_every_classifier_and_policy_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("classifiers", "policies"):
        for source in (ROOT / folder).rglob("*"):
            if source.is_file():
                relative = source.relative_to(ROOT / folder).as_posix()
                assert f"pii_guard/_data/{folder}/{relative}" in names


@pytest.mark.slow
def test_installed_package_resolves_content_inside_itself(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    probe = ("import pii_guard.resources as r; "
             "print(r.classifiers_dir()); print(r.policies_dir())")
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                             f"{str(target)!r}); {probe}"], capture_output=True, text=True,
                            cwd=tmp_path, check=True)
    classifiers, policies = result.stdout.split()
    assert classifiers.startswith(str(target))
    assert policies.startswith(str(target))
    assert (Path(policies) / "roles.yaml").is_file()
