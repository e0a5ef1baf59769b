"""The results files the notebooks read are complete and reproduce: a sample is re-run here."""

import functools
import importlib.util
import random
from pathlib import Path

import pytest

import coordlab
from coordlab.api import parse_seeds
from coordlab.experiment.grid import configs, layer_settings, names

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SAMPLE_TICKETS = 6
SAMPLE_CONFIGS = 3


def _make_results():
    spec = importlib.util.spec_from_file_location("make_results", NOTEBOOKS / "make_results.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RESULTS = _make_results().RESULTS


def _expected(sweeps):
    """(config, seed) pairs every sweep of one results entry must have filled."""
    for sweep in sweeps:
        grid = configs(
            names(sweep.get("backends", "plain"), "backends"),
            layer_settings(sweep["layers_grid"]),
            names(sweep["profiles"], "p"),
        )
        for config in grid:
            for seed in parse_seeds(sweep.get("seeds", "0")):
                yield config, seed


@functools.cache
def _frame(name):
    return coordlab.read_results(NOTEBOOKS / "results" / name)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_every_configuration_and_seed_is_complete(name):
    frame = _frame(name)
    counts = frame.groupby(["backend", "layers", "profile", "seed"]).size()
    expected = set(_expected(RESULTS[name]))
    assert len(counts) == len({(c.backend, c.layers, c.profile, s) for c, s in expected})
    for config, seed in expected:
        assert counts[(config.backend, config.layers, config.profile, seed)] == 320


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_a_sample_recomputes_to_the_stored_rows(name):
    frame = _frame(name)
    tickets = coordlab.load_tickets()
    chooser = random.Random(name)  # a different, fixed sample per results entry
    pairs = sorted(
        set(_expected(RESULTS[name])), key=lambda p: (p[0].backend, p[0].layers, p[0].profile, p[1])
    )
    for config, seed in chooser.sample(pairs, min(SAMPLE_CONFIGS, len(pairs))):
        sample = chooser.sample(tickets, SAMPLE_TICKETS)
        fresh = coordlab.run_trials(
            config.backend,
            coordlab.Layers.parse(config.layers),
            config.profile,
            sample,
            [seed],
            population=tickets,
        )
        for row in fresh:
            stored = frame[(frame["backend"] == config.backend) & (frame["layers"] == config.layers)
                           & (frame["profile"] == config.profile) & (frame["seed"] == seed)
                           & (frame["ticket_id"] == row["ticket_id"])]  # fmt: skip
            assert len(stored) == 1
            kept = stored.astype(object).where(stored.notna(), None).to_dict("records")[0]
            assert {k: v for k, v in kept.items() if k != "wall_s"} == {
                k: v for k, v in row.items() if k != "wall_s"
            }, (config, seed, row["ticket_id"])
