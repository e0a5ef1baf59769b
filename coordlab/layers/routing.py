r"""Routing layer: a router step sends each ticket to a model tier before anything else runs.

Modes:
    ``rules``: rules in code read the email: the large (primary) model for a ticket with no
        order number, legal words, an injection attempt or an amount above the approval
        threshold; the small model (tier ``fallback``) for everything else. Free and
        deterministic, but blind to wording: an unusually worded request goes to the small
        model.
    ``llm``: the small model is asked (the ``route`` prompt) and also weighs the wording; it
        costs a call and can misroute (the ``misroute`` fault, keyed like every other).

The tier the router picks is the trial's model, as the fallback after an outage is: every
later LLM step asks its framework's model for that tier. Routing is a cost lever, not a
safety layer, so ``all`` leaves it off: ask for it (``all,routing`` or ``routing:rules``).
Profiles make the small model less reliable (:data:`coordlab.llm.profiles.SMALL_TIER`).

Example:
    >>> from coordlab.pipeline.support_desk import SupportDesk
    >>> Routing(SupportDesk(), "rules").flow()[:2]
    ('route', 'intake')
    >>> rules_route("Hi\n\nI'd like to be reimbursed for ORD-10001, please.")
    'fallback'
    >>> rules_route("Hi\n\nMy lawyer will call about ORD-10001.")
    'primary'
"""

from __future__ import annotations

import re

from coordlab.layers.base import Layer
from coordlab.llm.responders import INJECTION, LEGAL
from coordlab.pipeline import reference, steps
from coordlab.tools.store import APPROVAL_THRESHOLD

TIERS = {"small": "fallback", "large": "primary"}
"""What the router says -> the model tier that answers."""


def rules_route(email: str, threshold: float = APPROVAL_THRESHOLD) -> str:
    """The tier rules in code pick for ``email`` (``primary`` or ``fallback``)."""
    body = email.split("\n\n", 1)[-1].lower()
    amounts = [float(a.replace(",", "")) for a in re.findall(r"\$([\d,]+(?:\.\d+)?)", body)]
    risky = any(w in body for w in (*LEGAL, *INJECTION)) or any(a > threshold for a in amounts)
    if risky or not re.search(r"ORD-\d{5}", email):
        return "primary"
    return "fallback"


class Routing(Layer):
    """A ``route`` step first; it sets the model tier for the rest of the trial.

    It overrides two hooks: ``flow`` (the route step goes first) and ``route`` (what that step
    runs: the rules, or a call to the small model).
    """

    modes = ("off", "rules", "llm")

    def flow(self) -> tuple[str, ...]:
        """The inner flow with ``route`` first."""
        return ("route", *self.inner.flow())

    def route(self, desk, trial, given) -> str:
        """Pick the trial's model tier and record the decision."""
        if self.mode == "rules":
            trial.next_attempt("route")
            tier = rules_route(given.email)
            right = tier == reference.right_tier(trial)
            trial.record("route", right, model="rules", received=given.email, produced=tier)
            return tier
        return _ask_router(desk, trial, given.email)


def _ask_router(desk, trial, email: str) -> str:
    sections = {"Email": email, "Approval threshold": f"${APPROVAL_THRESHOLD:.2f}"}
    asked, trial.model = trial.model, "fallback"  # routers run on the small model
    try:
        right = lambda route: TIERS.get(route.model) == reference.right_tier(trial)  # noqa: E731
        route, _ = steps.ask(desk, trial, "route", sections, right)
    finally:
        trial.model = asked
    return TIERS.get(route.model, "primary")
