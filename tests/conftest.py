import functools

import pytest

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials


@functools.cache
def cached_rows(spec: str, profile, n_tickets: int | None = None, seeds: tuple = (0,),
                backend: str = "plain") -> tuple:
    tickets = load_tickets(limit=n_tickets)
    return tuple(run_trials(backend, Layers.parse(spec), profile, tickets, seeds))


@pytest.fixture
def rows():
    return cached_rows


def outcomes(rows) -> dict:
    out: dict = {}
    for r in rows:
        out[r["outcome"]] = out.get(r["outcome"], 0) + 1
    return out
