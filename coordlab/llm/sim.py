r"""The simulated LLM: a calibrated stand-in for a model, not an oracle.

It answers only from the prompt text it receives (deterministic rules over coordlab's templates,
see :mod:`coordlab.llm.responders`), and with each step's fault probability makes one of that
step's realistic mistakes instead. Draws are keyed by ``(seed, ticket, step, attempt)``, read
from the prompt's request header, so any framework sending the same prompts sees the same faults;
the header's flags also say the answer's format (``format=text|json``) and, at verify, how
strict the critic is asked to be (``critic=strict|vague``).
Tokens are counted on the text actually received; latency advances a virtual clock.

Example:
    >>> from coordlab.llm.base import Message
    >>> sim = SimLLM("perfect", seed=0)
    >>> user = ("[coordlab] step=intake ticket=T0001 attempt=1 format=text\n### Email\n"
    ...         "Date: 2026-05-01\n\nWhere is order ORD-10001?")
    >>> print(sim.complete([Message("system", "Answer."), Message("user", user)]).text)
    Intent: status
    Order: ORD-10001
    Amount: none
    Reason: none

"""

from __future__ import annotations

from collections.abc import Iterable

from coordlab.domain import wire
from coordlab.errors import ConfigError, TransientError
from coordlab.llm import responders
from coordlab.llm.base import Completion, Message, count_tokens
from coordlab.llm.faults import FaultInjector
from coordlab.llm.pricing import RATE_LIMIT_S, TIERS, TIMEOUT_S
from coordlab.llm.profiles import FaultProfile, get_profile
from coordlab.llm.reading import PromptView, read_messages


class SimLLM:
    """A seeded simulated model.

    Args:
        profile: a built-in profile name or a :class:`FaultProfile`.
        seed: the experiment seed.
        hard_tickets: ids of hard tickets (for correlated profiles and the weaker tier).

    """

    def __init__(
        self,
        profile: str | FaultProfile = "uniform-97",
        seed: int = 0,
        hard_tickets: Iterable[str] = (),
    ):
        self.profile = get_profile(profile)
        self.seed = seed
        self.injector = FaultInjector(self.profile, seed, hard_tickets)

    def __repr__(self) -> str:
        return f"SimLLM(profile={self.profile.name!r}, seed={self.seed})"

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Answer a coordlab prompt (raises :class:`TransientError` on an injected outage)."""
        if model not in TIERS:
            raise ConfigError(f"unknown model tier '{model}'; known: {', '.join(TIERS)}")
        view = read_messages(messages)
        tokens_in = sum(count_tokens(m.content) for m in messages)
        if model == "primary" and self.injector.primary_down(view.ticket):
            raise TransientError(
                "outage", view.step, "primary model unavailable (503)", RATE_LIMIT_S
            )
        ans = responders.answer(view)
        kind = self.injector.draw(
            view.ticket, view.step, view.attempt, responders.applicable(view, ans), model
        )
        if kind in responders.TRANSIENT:
            cost = TIMEOUT_S if kind == "timeout" else RATE_LIMIT_S
            raise TransientError(kind, view.step, f"{kind} from model '{model}'", cost)
        if kind:
            ans = responders.corrupt(kind, view, ans)
        text = render(view, ans)
        tokens_out = count_tokens(text)
        latency = TIERS[model].latency(tokens_in, tokens_out)
        return Completion(text, model, tokens_in, tokens_out, latency, fault=kind)


def render(view: PromptView, ans: dict) -> str:
    """Write an answer in the format the header asks for (see :mod:`coordlab.domain.wire`)."""
    return wire.render_answer(view.step, ans, view.typed)
