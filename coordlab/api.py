"""The Python entry points that mirror the CLI.

Example:
    >>> summary = run(backend="plain", layers="none", profile="perfect", tickets=5)
    >>> summary["success_rate"]
    1.0

"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from coordlab.config import Layers
from coordlab.datasets import select_tickets
from coordlab.errors import ConfigError
from coordlab.experiment.cache import ResultCache
from coordlab.experiment.grid import parse_seeds
from coordlab.experiment.runner import run_trials, summarize
from coordlab.llm.base import LLM
from coordlab.llm.endpoint import ModelConfig, model_config
from coordlab.llm.profiles import FaultProfile, get_profile
from coordlab.types import Ticket

__all__ = ["model_config", "parse_seeds", "run", "select_tickets"]


def run(
    backend: str = "plain",
    layers: str | Layers = "all",
    profile: str | FaultProfile = "uniform-97",
    tickets: int | Sequence[Ticket] | None = None,
    tickets_file: str | Path | None = None,
    seeds: str | int | Iterable[int] = 0,
    llm: LLM | ModelConfig | str | None = None,
    return_rows: bool = False,
    progress: bool = False,
    cache: str | Path | ResultCache | None = None,
    base_url: str | None = None,
):
    """Run every selected ticket once per seed and return the JSON summary (DESIGN §10).

    Args:
        backend: a registered backend name.
        layers: a layer spec (``all``, ``none``, ``state,recovery``, ...) or :class:`Layers`.
        profile: a built-in profile name or a :class:`FaultProfile`.
        tickets: the first N bundled tickets, or the tickets themselves.
        tickets_file: a JSONL file of tickets in the dataset's format.
        seeds: ``"0-9"``, an int or an iterable of ints.
        llm: a model to use instead of the seeded :class:`SimLLM`: ``"openai:MODEL"`` (with
            ``base_url``) or a :class:`ModelConfig` for a real OpenAI-compatible endpoint,
            reached through each backend's own connector and checked before anything runs;
            or any object with coordlab's ``LLM`` interface.
        return_rows: also return the per-trial rows, as ``(summary, rows)``.
        progress: show a progress bar with trials/s and ETA.
        cache: a results cache directory (or :class:`ResultCache`): trials run before under
            the same key (which includes an endpoint's model and URL) are read back instead of
            run; an ``llm`` object other than a :class:`ModelConfig` cannot be keyed.
        base_url: the endpoint's ``/v1`` URL when ``llm`` is a string.

    Raises:
        ConfigError: a bad layer spec, profile, seed range, ticket count or model spec, or
            ``cache`` together with an ``llm`` object.
        EndpointError: the endpoint is unreachable, refuses the key or lacks the model.
    """
    layer_cfg = Layers.parse(layers)
    prof = get_profile(profile)
    chosen = select_tickets(tickets, tickets_file)
    seed_list = parse_seeds(seeds)
    llm = model_config(llm, base_url)
    if cache is not None:
        if llm is not None and not isinstance(llm, ModelConfig):
            raise ConfigError("the results cache cannot key an llm object; pass a ModelConfig")
        store = cache if isinstance(cache, ResultCache) else ResultCache(cache)
        rows = store.rows(backend, layer_cfg, prof, chosen, seed_list, progress=progress, llm=llm)
    else:
        rows = list(run_trials(backend, layer_cfg, prof, chosen, seed_list, llm, progress=progress))
    summary = summarize(rows)
    return (summary, rows) if return_rows else summary
