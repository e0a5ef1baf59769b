import json
import subprocess
import sys

import pytest

import coordlab
from coordlab import Layers, ResultCache, load_tickets
from coordlab.llm.pricing import TIERS, ModelTier

SPEC, PROFILE = "state,recovery", "correlated-97"


def _without_wall(rows):
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


@pytest.fixture
def cache(tmp_path):
    return ResultCache(tmp_path / "cache")


def test_a_cached_row_equals_a_recomputed_one(cache):
    tickets = load_tickets(limit=40)
    first = cache.rows("plain", Layers.parse(SPEC), PROFILE, tickets, [0, 1])
    again = cache.rows("plain", Layers.parse(SPEC), PROFILE, tickets, [0, 1])
    fresh = coordlab.run(layers=SPEC, profile=PROFILE, tickets=40, seeds="0-1", return_rows=True)
    assert (cache.misses, cache.hits) == (80, 80)
    assert _without_wall(again) == _without_wall(first) == _without_wall(fresh[1])
    assert [(k, type(v)) for k, v in again[0].items()] == [
        (k, type(v)) for k, v in fresh[1][0].items()
    ]


def test_only_the_missing_trials_run(cache):
    cache.rows("plain", Layers.none(), PROFILE, load_tickets(limit=10), [0])
    rows = cache.rows("plain", Layers.none(), PROFILE, load_tickets(limit=10), [0, 1])
    assert (cache.misses, cache.hits) == (20, 10)
    assert [(r["seed"], r["ticket_id"]) for r in rows][:2] == [(0, "T0001"), (0, "T0002")]


def test_everything_that_decides_a_row_is_in_the_key(cache, monkeypatch):
    tickets = load_tickets(limit=8)
    before = cache.rows("plain", Layers.none(), "uniform-97", tickets, [0])
    cache.rows("plain", Layers.none(), "uniform-90", tickets, [0])  # another profile
    cache.rows("plain", Layers(), "uniform-97", tickets, [0])  # another layer setting
    cache.rows("plain", Layers.none(), "uniform-97", tickets, [1])  # another seed
    edited = [tickets[0].model_copy(update={"email": tickets[0].email + " Thanks again."})]
    cache.rows("plain", Layers.none(), "uniform-97", edited, [0])  # the ticket's content
    monkeypatch.setitem(TIERS, "primary", ModelTier("primary", 1.0, 5.0, 0.45, 0.0002, 0.02))
    repriced = cache.rows("plain", Layers.none(), "uniform-97", tickets[:1], [0])  # the prices
    assert cache.hits == 0 and cache.misses == 8 * 4 + 1 + 1
    assert repriced[0]["cost_usd"] < before[0]["cost_usd"]


def test_the_share_of_hard_tickets_is_in_the_key_only_where_it_decides_a_draw(cache):
    tickets = load_tickets()
    hard = [t for t in tickets if "hard" in t.tags][:2]
    easy = [t for t in tickets if "hard" not in t.tags][:150]
    correlated, uniform = coordlab.get_profile("correlated-97"), coordlab.get_profile("uniform-97")
    store = lambda profile, population: cache.store_for("plain", profile, population).path  # noqa: E731
    assert store(correlated, easy + hard[:1]) != store(correlated, easy)  # 0 vs 1 hard ticket
    assert store(correlated, easy + hard) != store(correlated, easy[:6] + hard)
    assert store(uniform, easy[:10]) == store(uniform, easy + hard)  # no correlation: shared


def test_an_edited_ticket_is_served_from_the_cache_once_recomputed(cache):
    ticket = load_tickets(limit=1)[0]
    edited = [ticket.model_copy(update={"email": ticket.email + " Thanks again."})]
    cache.rows("plain", Layers.none(), "uniform-97", [ticket], [0])
    for _ in range(3):
        cache.rows("plain", Layers.none(), "uniform-97", edited, [0])
    assert (cache.misses, cache.hits) == (2, 2)


def test_framework_versions_are_in_the_key(cache, monkeypatch):
    from coordlab.experiment import cache as module

    assert module.framework_versions("plain") == {}
    versions = module.framework_versions("langgraph")
    assert set(versions) == {"langgraph", "langchain-core", "langchain-openai"}
    profile, tickets = coordlab.get_profile("uniform-97"), load_tickets(limit=2)
    before = cache.store_for("langgraph", profile, tickets).path
    monkeypatch.setattr(module, "_version", lambda name: "0.0-other")
    assert cache.store_for("langgraph", profile, tickets).path != before
    assert (
        cache.store_for("plain", profile, tickets).path
        == cache.store_for("plain", profile, tickets).path
    )


def test_a_second_process_never_loses_a_part_being_written(cache):
    tickets = load_tickets(limit=2)
    profile = coordlab.get_profile("uniform-97")
    store = cache.store_for("plain", profile, tickets)
    cache.rows("plain", Layers.none(), profile, tickets, [0])
    in_flight = store.path / ".part-000009-abc.parquet.999.tmp"  # another process's write
    in_flight.write_bytes(b"half")
    cache.rows("plain", Layers.none(), profile, tickets, [1])
    assert in_flight.exists()


def test_cli_cache_gives_the_same_summary(tmp_path):
    args = [sys.executable, "-m", "coordlab.cli", "run", "--layers", "none", "--tickets", "15",
            "--json", "--cache", str(tmp_path / "c")]  # fmt: skip
    first, second = (subprocess.run(args, capture_output=True, text=True) for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert {k: v for k, v in a.items() if k != "wall_s"} == {
        k: v for k, v in b.items() if k != "wall_s"
    }
    assert any((tmp_path / "c").rglob("part-*.parquet"))


def test_cache_with_a_custom_model_is_refused(tmp_path):
    llm = coordlab.SimLLM(coordlab.get_profile("perfect"), seed=0)
    with pytest.raises(coordlab.ConfigError, match="cache"):
        coordlab.run(tickets=1, llm=llm, cache=tmp_path)
