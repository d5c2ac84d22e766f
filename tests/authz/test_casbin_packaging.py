"""Exactly one Casbin: the maintained pycasbin 2.x distribution owns the imported ``casbin``
package, and no old ``casbin`` distribution (as casbin-sqlalchemy-adapter would pull in) is
installed beside it to overwrite its files. Start-up refuses otherwise."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import casbin
import pytest

from pii_guard.authz import casbin_model
from pii_guard.authz.casbin_model import check_casbin, load_model
from pii_guard.errors import ConfigurationError


def test_the_imported_casbin_is_pycasbin_2() -> None:
    assert check_casbin().startswith("2.")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.version("casbin")
    assert hasattr(casbin, "FastEnforcer")


def test_an_old_casbin_distribution_beside_it_stops_start_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.metadata.version

    def both_installed(name: str) -> str:
        return "1.17.0" if name == "casbin" else real(name)

    monkeypatch.setattr(casbin_model.importlib.metadata, "version", both_installed)
    with pytest.raises(ConfigurationError, match="old 'casbin' distribution"):
        check_casbin()


def test_a_broken_model_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "model.conf"
    broken.write_text("[request_definition]\nr = sub\n[policy_definition]\np = sub\n"
                      "[policy_effect]\ne = some(where (p.eft == allow))\n[matchers]\n"
                      "m = r.sub == p.sub\n")
    with pytest.raises(ConfigurationError, match=r"model.conf: p must define"):
        load_model(broken)
