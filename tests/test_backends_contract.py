"""The backend contract: register(), the entry-point group, checks that take a class."""

import importlib.metadata
import sys
import textwrap

import pytest

from coordlab.backends import base
from coordlab.backends.plain import PlainBackend
from coordlab.config import Layers
from coordlab.errors import ConfigError, MissingExtraError
from coordlab.experiment.runner import run_trials
from coordlab.testing import conformance

TICKETS = conformance.sample_tickets(40)


class Renamed(PlainBackend):
    name = "renamed"


@pytest.fixture
def registry(monkeypatch):
    """REGISTRY as if nothing had been read or registered yet (restored afterwards)."""
    reg = base.REGISTRY
    monkeypatch.setattr(reg, "_entries", dict(base.BUILT_IN))
    monkeypatch.setattr(reg, "_origins", {})
    monkeypatch.setattr(reg, "_discovered", False)
    return reg


@pytest.fixture
def outside_package(tmp_path, monkeypatch):
    """A package outside coordlab, importable, defining a backend; not imported yet."""
    pkg = tmp_path / "outside_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "backend.py").write_text(
        textwrap.dedent(
            """
            from coordlab.backends.plain import PlainBackend

            class OutsideBackend(PlainBackend):
                name = "outside"
            """
        )
    )
    (pkg / "needs_torch.py").write_text("import torch_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "outside_pkg"
    for mod in [m for m in sys.modules if m.startswith("outside_pkg")]:
        del sys.modules[mod]


def entry_points(monkeypatch, **targets):
    """Make ``importlib.metadata.entry_points(group=...)`` return fake entry points."""
    eps = [
        importlib.metadata.EntryPoint(name, value, base.ENTRY_POINT_GROUP)
        for name, value in targets.items()
    ]

    def fake(**kwargs):
        assert kwargs == {"group": base.ENTRY_POINT_GROUP}
        return eps

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)


def test_register_a_class_runs_everywhere_by_name(registry):
    base.register("renamed", Renamed)
    assert base.backend_class("renamed") is Renamed
    assert "renamed" in base.available()
    rows = list(run_trials("renamed", Layers(), "perfect", TICKETS[:2], [0]))
    assert [r["backend"] for r in rows] == ["renamed", "renamed"]
    assert all(r["outcome"] == "success" for r in rows)


def test_register_a_string_imports_only_when_asked(registry, outside_package):
    base.register("outside", f"{outside_package}.backend:OutsideBackend")
    assert f"{outside_package}.backend" not in sys.modules
    assert base.backend_class("outside").__name__ == "OutsideBackend"
    assert f"{outside_package}.backend" in sys.modules


def test_register_refuses_what_is_not_a_backend(registry):
    with pytest.raises(ConfigError, match="not a Backend subclass"):
        base.register("bad", dict)
    with pytest.raises(ConfigError, match="not 'module:Class'"):
        base.register("bad", "no_colon_here")
    base.register("bad", "coordlab.config:Layers")
    with pytest.raises(ConfigError, match="not a Backend subclass"):
        base.backend_class("bad")


def test_a_missing_extra_names_the_pip_install(registry):
    base.register("ghostly", "coordlab_ghost_module:Backend", extra="ghostly")
    with pytest.raises(MissingExtraError, match=r'pip install "coordlab\[ghostly\]"'):
        base.backend_class("ghostly")
    assert "ghostly" not in base.available()


def test_unknown_names_give_one_config_error(registry):
    from coordlab.api import run

    with pytest.raises(ConfigError, match="unknown backend 'nope'; registered: plain"):
        base.backend_class("nope")
    with pytest.raises(ConfigError, match="unknown backend 'nope'"):
        run(backend="nope", layers="none", profile="perfect", tickets=1)


def test_an_entry_point_adds_a_backend_lazily(registry, outside_package, monkeypatch):
    entry_points(monkeypatch, outside=f"{outside_package}.backend:OutsideBackend")
    assert "outside" in base.REGISTRY  # read on first use
    assert f"{outside_package}.backend" not in sys.modules
    assert base.available()[-1] == "outside"
    cls = base.backend_class("outside")
    assert cls.__module__ == f"{outside_package}.backend"
    rows = list(run_trials("outside", Layers.none(), "perfect", TICKETS[:2], [0]))
    assert [r["backend"] for r in rows] == ["outside", "outside"]


def test_the_cli_runs_an_entry_point_backend(registry, outside_package, monkeypatch, capsys):
    import json

    from coordlab.cli import main

    entry_points(monkeypatch, outside=f"{outside_package}.backend:OutsideBackend")
    code = main(["run", "--backend", "outside", "--layers", "none", "--profile", "perfect",
                 "--tickets", "2", "--json"])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["backend"] == "outside" and summary["trials"] == 2


def test_an_entry_point_cannot_shadow_a_built_in(registry, outside_package, monkeypatch):
    entry_points(monkeypatch, plain=f"{outside_package}.backend:OutsideBackend")
    assert base.backend_class("plain") is PlainBackend


def test_a_broken_entry_point_is_reported_not_fatal(registry, outside_package, monkeypatch):
    entry_points(
        monkeypatch,
        torchy=f"{outside_package}.needs_torch:Backend",
        typo=f"{outside_package}.backend:NoSuchBackend",
    )
    hint = f'needs torch_that_is_not_installed: reinstall "{outside_package}"'
    with pytest.raises(MissingExtraError, match=hint):
        base.backend_class("torchy")
    with pytest.raises(ConfigError, match="has no NoSuchBackend"):
        base.backend_class("typo")
    with pytest.warns(UserWarning, match="NoSuchBackend"):
        names = base.available()
    assert "plain" in names and "torchy" not in names and "typo" not in names


def test_an_entry_points_extra_names_its_pip_install(registry, outside_package, monkeypatch):
    entry_points(monkeypatch, torchy=f"{outside_package}.needs_torch:Backend [torch]")
    hint = f'needs torch_that_is_not_installed: pip install "{outside_package}\\[torch\\]"'
    with pytest.raises(MissingExtraError, match=hint):
        base.backend_class("torchy")
    assert base.REGISTRY["torchy"] == (f"{outside_package}.needs_torch:Backend", "torch")


def test_checks_take_a_class_without_registering_it(registry):
    assert "renamed" not in base.REGISTRY
    conformance.check_determinism(Renamed)
    conformance.check_no_network(Renamed)
    assert "renamed" not in base.REGISTRY


def test_checks_fail_for_a_broken_class(registry):
    class Silent(PlainBackend):
        name = "silent"

        def run_trial(self, ticket, seed):
            trial = super().run_trial(ticket, seed)
            trial.crashed = None if trial.crashed else "made up"
            return trial

    with pytest.raises(AssertionError):
        conformance.check_no_network(Silent)


def test_parametrize_ids_use_the_class_name():
    mark = conformance.parametrize_with_checks([Renamed, "plain"])
    ids = [p.id for p in mark.args[1]]
    assert "renamed-check_determinism" in ids and "plain-check_bad_input" in ids
    assert [p.values[0] for p in mark.args[1]][0] is Renamed
    assert len(ids) == 2 * len(conformance.CHECKS)


def test_backend_checks_bind_the_class():
    pairs = dict(conformance.backend_checks(Renamed))
    assert set(pairs) == {f"renamed-{c.__name__}" for c in conformance.CHECKS}
    assert pairs["renamed-check_determinism"].args == (Renamed,)
