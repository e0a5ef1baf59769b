"""Running tickets through a backend and summarising the trials.

:func:`run_trials` yields one tidy row (a dict) per trial; :func:`summarize` turns rows into
the JSON summary of DESIGN §10 (success rate with a Wilson interval, outcome rates, per-step
accuracy, the predicted product, the coordination gap, calls, tokens and dollars).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Sequence

from tqdm.auto import tqdm

from coordlab.backends.base import Backend, backend_class, backend_name
from coordlab.config import Layers
from coordlab.datasets import hard_share, load_orders, load_policies
from coordlab.domain.steps import STEPS, WORK_STEPS
from coordlab.experiment.stats import SUCCESSES, wilson
from coordlab.layers import build
from coordlab.llm.base import LLM
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.faults import FaultInjector, fault_kind
from coordlab.llm.profiles import FaultProfile, get_profile
from coordlab.llm.sim import SimLLM
from coordlab.pipeline.context import Desk, Trial
from coordlab.pipeline.grading import full_rulebook, grade
from coordlab.pipeline.reference import true_view
from coordlab.retrieval.index import PolicyIndex
from coordlab.tools.approvals import Approver
from coordlab.tools.store import OrderService
from coordlab.tracing import active as active_tracing
from coordlab.types import Order, Ticket

_TRACED = ("outcome", "action", "amount", "llm_calls", "tokens_in", "tokens_out", "cost_usd",
           "caught_by", "crash")  # fmt: skip
"""What a trial span carries of its row."""


class Session:
    """Components shared by every trial of a run: index, order service, tool client.

    Args:
        layers: the layer setting.
        orders: the order store's contents (default: the bundled orders).

    """

    def __init__(self, layers: Layers, orders: Iterable[Order] | None = None):
        orders = list(orders if orders is not None else load_orders())
        self.orders = {o.id: o for o in orders}
        self.index = PolicyIndex(load_policies())
        self.service = OrderService(orders)
        self.layers = layers
        self.pipeline = build(layers)
        self.desk: Desk | None = None

    def desk_for(
        self,
        profile: FaultProfile,
        seed: int,
        tickets: Sequence[Ticket],
        llm: LLM | ModelConfig | None = None,
        population: Sequence[Ticket] | None = None,
    ) -> Desk:
        """The desk for one seed (the tool connection is reused across seeds).

        ``population`` (default: ``tickets``) is the whole ticket set of the experiment: a
        correlated profile spreads its faults by the share of hard tickets in it, so a chunk of
        it must see the same rates as the whole. A :class:`ModelConfig` ``llm`` is a real
        endpoint: the model's faults are its own, the tools' still come from ``profile``.
        """
        population = tickets if population is None else population
        hard = [t.id for t in population if "hard" in t.tags]
        injector = FaultInjector(profile, seed, hard, hard_share=hard_share(population))
        self.service.injector = injector
        endpoint = llm if isinstance(llm, ModelConfig) else None
        if endpoint is not None:
            from coordlab.llm.openai_compat import OpenAILLM

            model = OpenAILLM(endpoint, seed)
        else:
            model = llm or SimLLM(profile, seed, hard)
        if isinstance(model, SimLLM):
            model.injector = injector
        tools = self.desk.tools if self.desk else None
        self.desk = Desk(
            llm=model,
            index=self.index,
            service=self.service,
            injector=injector,
            layers=self.layers,
            orders=self.orders,
            tools=tools,
            endpoint=endpoint,
            seed=seed,
            pipeline=self.pipeline,
            approver=Approver(self.service, full_rulebook(), injector),
        )
        return self.desk

    def close(self) -> None:
        """Release the tool connection."""
        if self.desk:
            self.desk.close()


def run_trials(
    backend: str | type[Backend],
    layers: Layers,
    profile: str | FaultProfile,
    tickets: Sequence[Ticket],
    seeds: Iterable[int],
    llm: LLM | ModelConfig | None = None,
    keep_trials: bool = False,
    progress: bool = False,
    population: Sequence[Ticket] | None = None,
) -> Iterator[dict]:
    """Run every ticket once per seed; yield one row per trial.

    Args:
        backend: a registered backend name, or a :class:`Backend` subclass (registered or
            not; its rows carry its ``name``).
        layers: the layer setting.
        profile: the fault profile (name or object).
        tickets: the tickets to run.
        seeds: one pass over the tickets per seed.
        llm: a model to use instead of the seeded :class:`SimLLM`: an object with coordlab's
            ``LLM`` interface, or a :class:`ModelConfig` (a real endpoint, reached through
            each backend's own OpenAI-compatible connector).
        keep_trials: attach the full :class:`Trial` (steps, prompts) under the key ``trial``.
        progress: show a ``tqdm.auto`` bar (trials/s and ETA); off by default because its
            timings would make notebook outputs irreproducible.
        population: the experiment's whole ticket set when ``tickets`` is a chunk of it.

    """
    profile = get_profile(profile)
    cls = backend_class(backend)
    name = backend_name(backend)
    seeds = list(seeds)
    session = Session(layers)
    bar = tqdm(
        total=len(seeds) * len(tickets),
        disable=not progress,
        unit="trial",
        desc=f"{name} {layers.label} {profile.name}",
    )
    try:
        for seed in seeds:
            engine = cls(session.desk_for(profile, seed, tickets, llm, population))
            for ticket in tickets:
                tracing = active_tracing()
                if tracing:
                    tracing.start_trial(
                        f"{seed}/{ticket.id}", backend=name, layers=layers.label,
                        profile=profile.name, seed=seed, ticket=ticket.id,
                        llm=model_label(engine.desk),
                    )  # fmt: skip
                start = time.perf_counter()
                trial = engine.run_trial(ticket, seed)
                wall = time.perf_counter() - start
                row = trial_row(session, name, layers, profile.name, trial, wall)
                if tracing:
                    tracing.end_trial(trial.key, **{k: row[k] for k in _TRACED})
                if keep_trials:
                    row["trial"] = trial
                bar.update()
                yield row
    finally:
        bar.close()
        session.close()


def trial_row(
    session: Session, backend: str, layers: Layers, profile: str, trial: Trial, wall_s: float
) -> dict:
    """The tidy row for one finished trial."""
    ticket = trial.ticket
    ledger = session.service.ledger(trial.key)
    order = true_view(session.desk, ticket.truth.order_id)
    approvals = session.layers.on("approval")
    g = grade(ticket, order, ledger, trial.crashed is not None, approvals)
    row = {
        "backend": backend,
        "layers": layers.label,
        "profile": profile,
        "llm": model_label(session.desk),
        "seed": trial.seed,
        "ticket_id": ticket.id,
        "tags": ",".join(ticket.tags),
        "outcome": g.outcome,
        "action": g.action,
        "order_id": g.order_id,
        "amount": g.amount,
        "expected_action": g.expected_action,
        "expected_amount": g.expected_amount,
        "duplicate_side_effects": g.duplicates,
        "unauthorized_refunds": g.unauthorized_refunds,
        "wrong_refunds": g.wrong_refunds,
        "llm_calls": trial.llm_calls,
        "tokens_in": trial.tokens_in,
        "tokens_out": trial.tokens_out,
        "tokens_in_fallback": trial.fallback_tokens[0],
        "tokens_out_fallback": trial.fallback_tokens[1],
        "cost_usd": round(trial.cost_usd, 8),
        "latency_s": round(trial.clock_s, 4),
        "revisions": trial.revisions,
        "approvals": trial.approvals,
        "escalated_by": trial.escalated_by or "",
        "crash": trial.crashed or "",
        "faults": ";".join(f"{r.step}:{r.fault}" for r in trial.records if r.fault),
        "mast": ";".join(
            sorted({fault_kind(r.step, r.fault).mast for r in trial.records if r.fault})
        ),
        "caught_by": ";".join(sorted({r.caught_by for r in trial.records if r.caught_by})),
        "wall_s": wall_s,
    }
    for step in STEPS:
        mine = [r for r in trial.records if r.step == step]
        row[f"n_{step}"] = len(mine)
        row[f"ok_{step}"] = sum(r.ok for r in mine)
    return row


SIM_LABEL = "sim"
"""The ``llm`` column of trials the seeded simulator answered."""


def model_label(desk: Desk) -> str:
    """What answered a desk's model calls: ``sim``, an endpoint's label, or the LLM's class."""
    if desk.endpoint is not None:
        return desk.endpoint.label
    return SIM_LABEL if isinstance(desk.llm, SimLLM) else type(desk.llm).__name__


def model_faults(row: dict) -> str:
    """Where a configuration's model faults came from (tool faults always follow the profile)."""
    if row.get("llm", SIM_LABEL) == SIM_LABEL:
        return f"injected by the simulator (profile {row.get('profile')})"
    return f"the model's own; tool faults from profile {row.get('profile')}"


def summarize(rows: Sequence[dict]) -> dict:
    """The JSON summary of DESIGN §10 for rows of one configuration."""
    n = len(rows)
    count = lambda outcome: sum(r["outcome"] == outcome for r in rows)  # noqa: E731
    successes = sum(r["outcome"] in SUCCESSES for r in rows)
    accuracy = {}
    for step in STEPS:
        execs = sum(r[f"n_{step}"] for r in rows)
        if execs:
            accuracy[step] = round(sum(r[f"ok_{step}"] for r in rows) / execs, 4)
    predicted = math.prod(accuracy.get(s, 1.0) for s in WORK_STEPS)
    rate = successes / n if n else 0.0
    lo, hi = wilson(successes, n)
    first = rows[0] if rows else {}
    return {
        "backend": first.get("backend"),
        "layers": first.get("layers"),
        "profile": first.get("profile"),
        "llm": first.get("llm", SIM_LABEL),
        "model_faults": model_faults(first),
        "trials": n,
        "success_rate": round(rate, 4),
        "ci95": [round(lo, 4), round(hi, 4)],
        "silent_failure_rate": round(count("silent_failure") / max(n, 1), 4),
        "escalation_rate": round(count("escalated") / max(n, 1), 4),
        "crash_rate": round(count("crashed") / max(n, 1), 4),
        "outcomes": {o: count(o) for o in (*SUCCESSES, "escalated", "silent_failure", "crashed")},
        "duplicate_side_effects": sum(r["duplicate_side_effects"] for r in rows),
        "unauthorized_refunds": sum(r["unauthorized_refunds"] for r in rows),
        "wrong_refunds": sum(r.get("wrong_refunds", 0) for r in rows),
        "per_step_accuracy": accuracy,
        "predicted_e2e": round(predicted, 4),
        "coordination_gap": round(max(accuracy.values(), default=1.0) - rate, 4),
        "llm_calls": sum(r["llm_calls"] for r in rows),
        "tokens_in": sum(r["tokens_in"] for r in rows),
        "tokens_out": sum(r["tokens_out"] for r in rows),
        "cost_usd": round(sum(r["cost_usd"] for r in rows), 6),
        "virtual_latency_s": round(sum(r["latency_s"] for r in rows), 3),
        "wall_s": round(sum(r.get("wall_s", 0.0) for r in rows), 3),
    }
