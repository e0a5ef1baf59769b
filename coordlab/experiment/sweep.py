"""``coordlab.sweep``: a grid of configurations × seeds, streamed to a results store.

Example:
    >>> df = sweep("plain", "none;all", "perfect", tickets=4, executor="serial")
    >>> df.groupby("layers")["outcome"].apply(lambda s: (s == "success").mean()).to_dict()
    {'all': 1.0, 'none': 1.0}
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from coordlab.backends.base import backend_class
from coordlab.config import Layers, label_order
from coordlab.datasets import select_tickets
from coordlab.errors import ConfigError
from coordlab.experiment.executors import check, execute
from coordlab.experiment.grid import KEY, configs, layer_settings, names, parse_seeds, plan
from coordlab.experiment.runner import summarize
from coordlab.experiment.store import ResultStore
from coordlab.llm.endpoint import ModelConfig, model_config
from coordlab.types import Ticket


def sweep(
    backends: str | Iterable[str] = "plain",
    layers_grid: str | Iterable[str | Layers] = "all",
    profiles: str | Iterable[str] = "uniform-97",
    seeds: str | int | Iterable[int] = 0,
    tickets: int | Sequence[Ticket] | None = None,
    tickets_file: str | Path | None = None,
    out: str | Path | None = None,
    executor: str = "process",
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    chunk: int = 100,
    progress: bool = False,
    llm: ModelConfig | str | None = None,
    base_url: str | None = None,
) -> pd.DataFrame:
    """Run every configuration of the grid on every seed; return one row per trial.

    Args:
        backends: backend names (``"plain,langgraph"`` or a list).
        layers_grid: ``"all"`` (the 16 on/off combinations), ``"none;state,recovery"``, or a
            list of specs / :class:`Layers`.
        profiles: fault profile names (comma list or list).
        seeds: ``"0-9"``, an int or an iterable of ints.
        tickets: the first N bundled tickets, or the tickets themselves.
        tickets_file: a JSONL file of tickets in the dataset's format.
        out: the results directory (Parquet parts); a temporary one when omitted.
        executor: ``serial``, ``process`` or ``ray``.
        workers: processes (or Ray CPUs); default the CPU count.
        address: a Ray cluster's address (``--executor ray``).
        resume: continue the sweep already in ``out`` (its trials are skipped).
        chunk: tickets per unit of work.
        progress: show a progress bar (trials/s, ETA).
        llm: a real endpoint instead of the simulator (``"openai:MODEL"`` with ``base_url``, or
            a :class:`ModelConfig`), checked to answer before anything is written; a store
            resumes only with the same model.
        base_url: the endpoint's ``/v1`` URL when ``llm`` is a string.

    Returns:
        The trials in the store, sorted by (backend, layers, profile, seed, ticket_id).
    """
    grid = configs(names(backends, "backends"), layer_settings(layers_grid), names(profiles, "p"))
    for backend in {c.backend for c in grid}:
        backend_class(backend)  # a missing extra fails here, before anything is written
    check(executor, address)
    if chunk < 1:
        raise ConfigError("--chunk must be at least 1")
    population = select_tickets(tickets, tickets_file)
    seed_list = parse_seeds(seeds)
    llm = model_config(llm, base_url)
    if llm is not None and not isinstance(llm, ModelConfig):
        raise ConfigError("sweep takes a real endpoint as 'openai:MODEL' or a ModelConfig")
    manifest = {
        "configs": [[c.backend, c.layers, c.profile] for c in grid],
        "seeds": seed_list,
        "tickets": [t.id for t in population],
    }
    if llm is not None:
        manifest["llm"] = llm.label
    with tempfile.TemporaryDirectory(prefix="coordlab-sweep-") as scratch:
        store = ResultStore.create(out or Path(scratch) / "sweep", manifest, resume)
        units = plan(grid, seed_list, population, store.done(), chunk)
        total = sum(len(u.tickets) for u in units)
        with tqdm(total=total, disable=not progress, unit="trial", desc="sweep") as bar:
            for rows in execute(units, population, executor, workers, address, llm):
                store.append(rows)
                bar.update(len(rows))
        return store.read()


def summaries(frame: pd.DataFrame) -> list[dict]:
    """The JSON summary (as ``coordlab run --json``) of every configuration in ``frame``.

    Ordered by backend, then layer setting (``none`` first, ``all`` last), then profile.
    """
    groups = frame.groupby(list(KEY[:3]), sort=False)
    ordered = sorted(groups.groups, key=lambda k: (k[0], label_order(k[1]), k[2]))
    return [summarize(groups.get_group(key).to_dict("records")) for key in ordered]
