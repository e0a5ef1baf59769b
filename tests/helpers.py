import functools

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials
from coordlab.llm.profiles import FaultProfile, get_profile

_PROFILES: dict[str, FaultProfile] = {}


def cached_rows(
    spec: str, profile, n_tickets: int | None = None, seeds: tuple = (0,), backend: str = "plain"
) -> tuple:
    """Rows of one configuration, computed once per test session."""
    if isinstance(profile, FaultProfile):
        _PROFILES[profile.name] = profile
        profile = profile.name
    return _rows(spec, profile, n_tickets, tuple(seeds), backend)


@functools.cache
def _rows(spec, profile_name, n_tickets, seeds, backend):
    profile = _PROFILES.get(profile_name) or get_profile(profile_name)
    tickets = load_tickets(limit=n_tickets)
    return tuple(run_trials(backend, Layers.parse(spec), profile, tickets, seeds))


def outcomes(rows) -> dict:
    out: dict = {}
    for r in rows:
        out[r["outcome"]] = out.get(r["outcome"], 0) + 1
    return out


class RecordingLLM:
    """A model that answers with ``llm`` and keeps every conversation it was sent.

    ``steps`` names the step of each call (from the prompt's ``[coordlab] step=...`` header);
    clear ``calls`` to start counting again.
    """

    def __init__(self, llm):
        self.llm, self.calls = llm, []

    @property
    def steps(self) -> list[str]:
        return [messages[-1].content.split("step=")[1].split()[0] for messages in self.calls]

    def complete(self, messages, model="primary"):
        self.calls.append(messages)
        return self.llm.complete(messages, model)
