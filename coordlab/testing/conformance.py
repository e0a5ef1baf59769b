"""The conformance suite: checks every backend must pass to count as *the same pipeline*.

In the spirit of scikit-learn's ``check_estimator``: the checks ship inside the package, so a
third-party backend can run them too, and :func:`parametrize_with_checks` turns them into one
pytest test per (backend, check) with ids like ``langgraph-check_paired_agreement``::

    from coordlab.backends import REGISTRY
    from coordlab.testing import parametrize_with_checks

    @parametrize_with_checks(list(REGISTRY))
    def test_conformance(backend, check):
        check(backend)

A backend declares a known gap as ``known_gaps = {"check_name": "reason"}`` on its class; the
check then runs as a strict xfail (it must still fail, and says why), never a silent skip.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from coordlab.backends.base import REGISTRY, backend_class
from coordlab.config import Layers
from coordlab.datasets import load_tickets
from coordlab.errors import ConfigError, CoordlabError, MissingExtraError
from coordlab.experiment.runner import run_trials, summarize
from coordlab.llm.profiles import targeted_profile

GRID = (
    "none",
    "state",
    "protocol",
    "verification",
    "recovery",
    "all",
    "all,-state",
    "all,-protocol",
    "all,-verification",
    "all,-recovery",
)
"""Layer settings for paired agreement: all off, each alone, all on, all but each."""

PROFILES = ("uniform-97", "outage")
PAIRED_KEYS = ("ticket_id", "outcome", "action", "order_id", "amount", "faults")

LAYER_FAULTS = {
    "state": [("intake", "format_drift"), ("intake", "dropped_field"), ("decide", "format_drift")],
    "protocol": [("lookup", "schema_drift")],
    "verification": [
        ("intake", "wrong_intent"),
        ("decide", "wrong_action"),
        ("decide", "wrong_amount"),
        ("compose", "hallucinated_claim"),
    ],
    "recovery": [
        ("intake", "timeout"),
        ("lookup", "timeout"),
        ("decide", "rate_limit"),
        ("deliver", "timeout_after_effect"),
    ],
}


def sample_tickets(every: int = 4):
    """Every ``every``-th bundled ticket: all tags and actions, a quarter of the time."""
    return load_tickets()[::every]


@functools.cache
def _rows(backend: str, spec: str, profile: str, every: int, seed: int) -> tuple:
    profile_obj = _targeted.get(profile, profile)
    rows = run_trials(backend, Layers.parse(spec), profile_obj, sample_tickets(every), [seed])
    return tuple({k: v for k, v in r.items() if k != "wall_s"} for r in rows)


_targeted = {}


def _targeted_profile(layer: str):
    profile = targeted_profile(LAYER_FAULTS[layer], rate=0.3)
    _targeted[profile.name] = profile
    return profile.name


def check_paired_agreement(backend: str) -> None:
    """Same outcome, action, order, amount and faults as ``plain`` on every paired trial."""
    for spec in GRID:
        for profile in PROFILES:
            reference = _rows("plain", spec, profile, 4, 0)
            rows = _rows(backend, spec, profile, 4, 0)
            assert len(rows) == len(reference), (spec, profile)
            for ref, got in zip(reference, rows, strict=True):
                want = {k: ref[k] for k in PAIRED_KEYS}
                have = {k: got[k] for k in PAIRED_KEYS}
                assert have == want, (
                    f"{backend} differs from plain [{spec}/{profile}]: {have} != {want}"
                )


def check_determinism(backend: str) -> None:
    """The same seed twice gives identical rows (every column but wall-clock time)."""
    first = list(run_trials(backend, Layers(), "uniform-97", sample_tickets(8), [11]))
    second = list(run_trials(backend, Layers(), "uniform-97", sample_tickets(8), [11]))
    strip = lambda rows: [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]  # noqa: E731
    assert strip(first) == strip(second)


def check_layers_catch_their_faults(backend: str) -> None:
    """Each layer's own faults hurt with it off and never reach the customer with it on."""
    for layer in LAYER_FAULTS:
        profile = _targeted_profile(layer)
        off = summarize(_rows(backend, "none", profile, 2, 0))
        on = summarize(_rows(backend, layer, profile, 2, 0))
        assert off["silent_failure_rate"] + off["crash_rate"] > 0.02, (layer, off)
        assert on["silent_failure_rate"] == 0, (layer, on)
        if layer == "recovery":  # at a 30% fault rate the escalation itself rarely fails 3x
            assert on["crash_rate"] <= 0.03 < off["crash_rate"], (layer, on)


def check_bad_input(backend: str) -> None:
    """Unknown layers, modes and profiles raise a :class:`ConfigError` naming the culprit."""
    from coordlab.api import run

    for kwargs, culprit in (
        ({"layers": "state,bogus"}, "bogus"),
        ({"layers": "verification:loud"}, "loud"),
        ({"profile": "nope"}, "nope"),
    ):
        try:
            run(backend=backend, tickets=1, **kwargs)
        except ConfigError as err:
            assert culprit in str(err)
        else:
            raise AssertionError(f"{kwargs} was accepted")


@contextmanager
def _no_network() -> Iterator[list]:
    attempts: list = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("coordlab conformance: network disabled")

    saved = (
        socket.socket.connect,
        socket.socket.connect_ex,
        socket.create_connection,
        socket.getaddrinfo,
    )
    socket.socket.connect = socket.socket.connect_ex = refuse
    socket.create_connection = socket.getaddrinfo = refuse
    try:
        yield attempts
    finally:
        (
            socket.socket.connect,
            socket.socket.connect_ex,
            socket.create_connection,
            socket.getaddrinfo,
        ) = saved


def check_no_network(backend: str) -> None:
    """A run with every layer on attempts no network connection."""
    with _no_network() as attempts:
        rows = list(run_trials(backend, Layers(), "perfect", sample_tickets(16), [0]))
    assert attempts == [], attempts
    assert all(r["outcome"] == "success" for r in rows)


HTTP_GRID = ("none", "all", "state,protocol", "verification,recovery", "all,-state")
"""Layer settings for paired agreement over HTTP (serve-sim through the backend's connector)."""

HTTP_KEYS = ("ticket_id", "outcome", "action", "order_id", "amount")
"""What must agree over HTTP (the model's faults are the server's, unseen by the client)."""


def check_paired_agreement_over_http(backend: str) -> None:
    """Over HTTP (serve-sim, the backend's own connector), the same trials as in-process.

    The same outcome, action, order and amount as in-process ``plain`` on every paired trial,
    and the same tokens as the backend itself in-process (the server counts what it received).
    """
    from coordlab.llm.endpoint import ModelConfig
    from coordlab.llm.server import SimServer

    tickets = sample_tickets(8)
    for profile in PROFILES:
        with SimServer(profile, stall_s=30.0) as server:  # a stall ends when the client leaves
            config = ModelConfig.parse(
                "openai:primary", base_url=server.url, fallback="openai:fallback", timeout_s=2.0
            )
            for spec in HTTP_GRID:
                reference = _rows("plain", spec, profile, 8, 0)
                local = _rows(backend, spec, profile, 8, 0)
                wire = list(run_trials(backend, Layers.parse(spec), profile, tickets, [0], config))
                for ref, mine, got in zip(reference, local, wire, strict=True):
                    want = {k: ref[k] for k in HTTP_KEYS}
                    have = {k: got[k] for k in HTTP_KEYS}
                    assert have == want, f"{backend} over HTTP [{spec}/{profile}]: {have} != {want}"
                    tokens = (got["tokens_in"], got["tokens_out"])
                    assert tokens == (mine["tokens_in"], mine["tokens_out"]), (spec, profile, got)


CHECKS: tuple[Callable[[str], None], ...] = (
    check_paired_agreement,
    check_paired_agreement_over_http,
    check_determinism,
    check_layers_catch_their_faults,
    check_bad_input,
    check_no_network,
)


def known_gaps(backend: str) -> dict[str, str]:
    """The checks a backend declares it fails, with the reason."""
    try:
        return dict(getattr(backend_class(backend), "known_gaps", {}))
    except MissingExtraError:
        return {}


def backend_checks(backend: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """``(id, check)`` pairs for one backend, ids like ``langgraph-check_determinism``."""
    for check in CHECKS:
        yield f"{backend}-{check.__name__}", functools.partial(check, backend)


def parametrize_with_checks(backends: list[str] | None = None):
    """A ``pytest.mark.parametrize`` over every (backend, check), with declared gaps as xfail.

    A backend whose extra is not installed is skipped with the ``pip install`` that enables it,
    unless ``COORDLAB_REQUIRE_ALL_BACKENDS=1`` (as in CI), which makes it fail instead.
    """
    import pytest

    params = []
    for name in backends or list(REGISTRY):
        gaps = known_gaps(name)
        for check in CHECKS:
            marks = []
            if check.__name__ in gaps:
                marks.append(pytest.mark.xfail(reason=gaps[check.__name__], strict=True))
            params.append(
                pytest.param(
                    name, _guarded(name, check), id=f"{name}-{check.__name__}", marks=marks
                )
            )
    return pytest.mark.parametrize("backend,check", params)


def _guarded(name: str, check: Callable[[str], None]) -> Callable[[str], None]:
    @functools.wraps(check)
    def run(backend: str) -> None:
        import pytest

        try:
            backend_class(backend)
        except MissingExtraError as err:
            if os.environ.get("COORDLAB_REQUIRE_ALL_BACKENDS") == "1":
                raise
            pytest.skip(str(err))
        check(backend)

    return run


__all__ = [
    "CHECKS",
    "GRID",
    "backend_checks",
    "parametrize_with_checks",
    "known_gaps",
    "CoordlabError",
] + [c.__name__ for c in CHECKS]
