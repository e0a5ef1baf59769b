"""Where a sweep's units run: in this process, in a local process pool, or on Ray.

Every executor runs the same function on the same units (:func:`run_unit`), and a trial's
faults are keyed by (seed, ticket, step, attempt), never by call order, so the rows do not depend
on the executor, on the chunking or on the order units finish in.

* ``serial``: one unit after another, here;
* ``process`` (default): a ``concurrent.futures`` pool of ``workers`` processes (default: the CPU
  count), started with ``spawn`` so no thread of the parent (a notebook's, AutoGen's loop) is
  forked; a worker keeps its imports, so a framework's import cost is paid once per worker and
  its set-up once per unit;
* ``ray``: one Ray task per unit, on a local Ray instance (``ray.init(num_cpus=workers)``, with
  a per-process auth token so nothing is written under ``$HOME``) or on a cluster
  (``address``, checked to answer first: Ray would retry an unreachable one forever); needs the
  ``ray`` extra.

Each yields the rows of a unit as soon as it finishes, in completion order.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from coordlab.config import Layers
from coordlab.errors import ConfigError, MissingExtraError
from coordlab.experiment.grid import Unit
from coordlab.experiment.runner import run_trials
from coordlab.layers import BUILT_IN, register
from coordlab.layers import REGISTRY as LAYER_CLASSES
from coordlab.llm.endpoint import ModelConfig
from coordlab.types import Ticket

EXECUTORS = ("serial", "process", "ray")


def run_unit(
    unit: Unit,
    population: Sequence[Ticket],
    llm: ModelConfig | None = None,
    user_layers: dict | None = None,
) -> list[dict]:
    """Run one unit (with the simulator, or the endpoint ``llm``) and return its rows.

    ``user_layers`` (name -> class) are registered first: a worker process starts with only
    the built-in layers.
    """
    for name, cls in (user_layers or {}).items():
        register(name, cls)
    config = unit.config
    return list(
        run_trials(
            config.backend,
            Layers.parse(config.layers),
            config.profile,
            unit.tickets,
            [unit.seed],
            llm=llm,
            population=population,
        )
    )


def check(executor: str, address: str | None = None) -> None:
    """Fail early, before anything is written, on an executor that cannot run.

    Raises:
        ConfigError: an unknown executor, or a Ray address nothing answers on (Ray itself
            would retry forever).
        MissingExtraError: ``ray`` without Ray installed.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor '{executor}'; choose {', '.join(EXECUTORS)}")
    if executor != "ray":
        return
    try:
        import ray  # noqa: F401
    except ImportError:
        raise MissingExtraError('--executor ray needs Ray: pip install "coordlab[ray]"') from None
    if address and address not in ("auto", "local"):
        _probe(address)


def _session_token() -> None:
    """Give a local Ray instance a token for this process only.

    A new local Ray cluster uses token authentication and, without a token, writes one to
    ``~/.ray/auth_token``; coordlab keeps out of ``$HOME`` and hands Ray one in the environment
    instead (inherited by its workers), unless the user configured Ray's authentication.
    """
    if not any(k in os.environ for k in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_MODE")):
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)


def _probe(address: str, timeout_s: float = 3.0) -> None:
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
            pass
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot reach Ray at {address}: {err}") from None


def execute(
    units: Sequence[Unit],
    population: Sequence[Ticket],
    executor: str = "process",
    workers: int | None = None,
    address: str | None = None,
    llm: ModelConfig | None = None,
) -> Iterator[list[dict]]:
    """Run ``units`` on ``executor``; yield each unit's rows as it finishes.

    ``llm`` (a real endpoint) travels to the workers as its configuration: each builds its
    own connectors and reads the key from its own environment.
    """
    check(executor, address)
    workers = workers or os.cpu_count() or 1
    if executor == "serial" or not units:
        return (run_unit(unit, population, llm) for unit in units)
    extra = portable_user_layers()
    if executor == "process":
        return _in_processes(units, population, workers, llm, extra)
    return _on_ray(units, population, workers, address, llm, extra)


def portable_user_layers() -> dict:
    """The registered layers that are not built in, checked to be importable by a worker.

    Raises:
        ConfigError: a layer class defined in ``__main__`` (a notebook or a script), which
            another process cannot import.
    """
    extra = {name: cls for name, cls in LAYER_CLASSES.items() if name not in BUILT_IN}
    for name, cls in extra.items():
        if cls.__module__ == "__main__":
            raise ConfigError(
                f"layer '{name}' is defined in __main__ (a notebook or script), which worker "
                "processes cannot import: use executor='serial' or move it into a module"
            )
    return extra


def _in_processes(units, population, workers: int, llm, extra) -> Iterator[list[dict]]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(units)), mp_context=context) as pool:
        pending = {pool.submit(run_unit, unit, population, llm, extra) for unit in units}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def _on_ray(units, population, workers: int, address, llm, extra) -> Iterator[list[dict]]:
    import ray

    started = not ray.is_initialized()
    if started:
        _init_ray(ray, workers, address)
    try:
        remote = ray.remote(run_unit)
        shared = ray.put(list(population))
        pending = [remote.remote(unit, shared, llm, extra) for unit in units]
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            yield ray.get(finished[0])
    finally:
        if started:
            ray.shutdown()


def _init_ray(ray, workers: int, address: str | None) -> None:
    options = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        if address:
            ray.init(address=address, **options)
        else:
            _session_token()
            ray.init(num_cpus=workers, **options)
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = address or "a local instance"
        raise ConfigError(f"cannot start or reach Ray at {where}: {err}") from None
