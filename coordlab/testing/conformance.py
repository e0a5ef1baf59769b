"""The conformance suite: checks every backend must pass to count as *the same pipeline*.

In the spirit of scikit-learn's ``check_estimator``: the checks ship inside the package, so a
third-party backend can run them too, and :func:`parametrize_with_checks` turns them into one
pytest test per (backend, check) with ids like ``langgraph-check_paired_agreement``::

    from coordlab.backends import REGISTRY
    from coordlab.testing import parametrize_with_checks

    @parametrize_with_checks(list(REGISTRY))
    def test_conformance(backend, check):
        check(backend)

A check takes a registered name or the class itself, so a backend can be checked before it is
registered: ``check_determinism(MyBackend)``.

A backend declares a known gap as ``known_gaps = {"check_name": "reason"}`` on its class; the
check then runs as a strict xfail (it must still fail, and says why), never a silent skip.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from coordlab.backends.base import REGISTRY, Backend, backend_class, backend_name
from coordlab.config import Layers
from coordlab.errors import ConfigError, CoordlabError, MissingExtraError
from coordlab.experiment.runner import run_trials, summarize
from coordlab.testing.bad_input import check_served_bad_input
from coordlab.testing.grid import (
    GRID,
    LAYER_FAULTS,
    PROFILES,
    TARGETED_EVERY,
    rows,
    sample_tickets,
    settings,
    stable,
    targeted,
)

BackendLike = str | type[Backend]
"""A registered backend name or a :class:`Backend` subclass (registered or not)."""

PAIRED_KEYS = ("ticket_id", "outcome", "action", "order_id", "amount", "faults")
"""What must agree with ``plain`` on every paired trial."""


def _is_reference(backend: BackendLike) -> bool:
    return backend_class(backend) is backend_class("plain")


def check_paired_agreement(backend: BackendLike) -> None:
    """Same outcome, action, order, amount and faults as ``plain`` on every paired trial.

    The trials are those of the conformance grid (:func:`coordlab.testing.grid.settings`),
    including each layer's targeted faults, where recovery gives up and verification refuses.

    ``plain`` itself is held to the committed digest of its rows on the same grid
    (:mod:`coordlab.testing.digest`), so the reference cannot drift unnoticed.
    """
    if _is_reference(backend):
        from coordlab.testing import digest  # lazily: `python -m coordlab.testing.digest` runs it

        changed = digest.changed(backend)
        assert not changed, (
            f"plain's rows changed on {', '.join(changed)}. If the change is intended, "
            f"regenerate the digest with `{digest.COMMAND}` and justify it in the commit."
        )
        return
    name = backend_name(backend)
    for spec, profile, every in settings():
        reference = rows("plain", spec, profile, every)
        got_rows = rows(backend, spec, profile, every)
        assert len(got_rows) == len(reference), (spec, profile)
        for ref, got in zip(reference, got_rows, strict=True):
            want = {k: ref[k] for k in PAIRED_KEYS}
            have = {k: got[k] for k in PAIRED_KEYS}
            diff = [f"{k} {have[k]!r} (plain {v!r})" for k, v in want.items() if have[k] != v]
            assert have == want, (
                f"{name} differs from plain [{spec}/{profile}] on {ref['ticket_id']}: "
                f"{', '.join(diff)}; full rows: {have} != {want}"
            )


def check_determinism(backend: BackendLike) -> None:
    """The same seed twice gives identical rows (every column but wall-clock time)."""
    first = list(run_trials(backend, Layers(), "uniform-97", sample_tickets(8), [11]))
    second = list(run_trials(backend, Layers(), "uniform-97", sample_tickets(8), [11]))
    assert [stable(r) for r in first] == [stable(r) for r in second]


def check_layers_catch_their_faults(backend: BackendLike) -> None:
    """Each layer's own faults hurt with it off and never reach the customer with it on."""
    for layer in LAYER_FAULTS:
        profile = targeted(layer)
        off = summarize(rows(backend, "none", profile, TARGETED_EVERY))
        on = summarize(rows(backend, layer, profile, TARGETED_EVERY))
        harm = off["silent_failure_rate"] + off["crash_rate"]
        assert harm > 0.02, f"{layer}'s faults do no harm with every layer off ({harm:.3f}): {off}"
        leaked = on["silent_failure_rate"]
        assert leaked == 0, f"{layer} on lets {leaked:.3f} silent failures through: {on}"
        if layer == "recovery":  # at a 30% fault rate the escalation itself rarely fails 3x
            crashed = (on["crash_rate"], off["crash_rate"])
            assert crashed[0] <= 0.03 < crashed[1], (
                f"recovery on crashes {crashed[0]:.3f} of trials (off: {crashed[1]:.3f}): {on}"
            )


def check_bad_input(backend: BackendLike) -> None:
    """Bad input gives a clear error or a graded trial, never a raw error or a lost effect.

    Unknown layers, modes and profiles raise a :class:`ConfigError` naming the culprit; bad
    input that reaches the backend (a broken tool payload, a ticket whose order is not in the
    store) is driven through the backend's own ``run_trial``
    (:func:`coordlab.testing.bad_input.check_served_bad_input`).
    """
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
    check_served_bad_input(backend)


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


def check_no_network(backend: BackendLike) -> None:
    """A run with every layer on attempts no network connection."""
    with _no_network() as attempts:
        rows = list(run_trials(backend, Layers(), "perfect", sample_tickets(16), [0]))
    assert attempts == [], attempts
    assert all(r["outcome"] == "success" for r in rows)


HTTP_GRID = ("none", "all", "state,protocol", "verification,recovery", "all,-state")
"""Layer settings for paired agreement over HTTP (serve-sim through the backend's connector)."""

HTTP_KEYS = ("ticket_id", "outcome", "action", "order_id", "amount")
"""What must agree over HTTP (the model's faults are the server's, unseen by the client)."""


def check_paired_agreement_over_http(backend: BackendLike) -> None:
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
                reference = rows("plain", spec, profile, 8)
                local = rows(backend, spec, profile, 8)
                wire = list(run_trials(backend, Layers.parse(spec), profile, tickets, [0], config))
                for ref, mine, got in zip(reference, local, wire, strict=True):
                    want = {k: ref[k] for k in HTTP_KEYS}
                    have = {k: got[k] for k in HTTP_KEYS}
                    assert have == want, (
                        f"{backend_name(backend)} over HTTP [{spec}/{profile}]: {have} != {want}"
                    )
                    tokens = (got["tokens_in"], got["tokens_out"])
                    assert tokens == (mine["tokens_in"], mine["tokens_out"]), (spec, profile, got)


CHECKS: tuple[Callable[[BackendLike], None], ...] = (
    check_paired_agreement,
    check_paired_agreement_over_http,
    check_determinism,
    check_layers_catch_their_faults,
    check_bad_input,
    check_no_network,
)


def known_gaps(backend: BackendLike) -> dict[str, str]:
    """The checks a backend declares it fails, with the reason."""
    try:
        return dict(getattr(backend_class(backend), "known_gaps", {}))
    except MissingExtraError:
        return {}


def backend_checks(backend: BackendLike) -> Iterator[tuple[str, Callable[[], None]]]:
    """``(id, check)`` pairs for one backend, ids like ``langgraph-check_determinism``."""
    for check in CHECKS:
        yield f"{backend_name(backend)}-{check.__name__}", functools.partial(check, backend)


def parametrize_with_checks(backends: list[BackendLike] | None = None):
    """A ``pytest.mark.parametrize`` over every (backend, check), with declared gaps as xfail.

    ``backends`` are registered names or :class:`Backend` classes (default: every registered
    backend); ids use the name, e.g. ``plain-check_determinism``. A backend whose extra is not
    installed is skipped with the ``pip install`` that enables it, unless
    ``COORDLAB_REQUIRE_ALL_BACKENDS=1`` (as in CI), which makes it fail instead.
    """
    import pytest

    params = []
    for backend in backends or list(REGISTRY):
        gaps = known_gaps(backend)
        for check in CHECKS:
            marks = []
            if check.__name__ in gaps:
                marks.append(pytest.mark.xfail(reason=gaps[check.__name__], strict=True))
            test_id = f"{backend_name(backend)}-{check.__name__}"
            params.append(pytest.param(backend, _guarded(check), id=test_id, marks=marks))
    return pytest.mark.parametrize("backend,check", params)


def _guarded(check: Callable[[BackendLike], None]) -> Callable[[BackendLike], None]:
    @functools.wraps(check)
    def run(backend: BackendLike) -> None:
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
    "PROFILES",
    "BackendLike",
    "backend_checks",
    "parametrize_with_checks",
    "known_gaps",
    "CoordlabError",
] + [c.__name__ for c in CHECKS]
