"""coordlab's models behind CrewAI's LLM interface, and CrewAI agents behind coordlab's.

:class:`SimCrewLLM` is a ``crewai.llms.base_llm.BaseLLM`` that answers with any coordlab
:class:`~coordlab.llm.base.LLM` and reports its own token usage. With a real endpoint
(``desk.endpoint``), each model tier is instead CrewAI's own ``LLM(model="openai/...")``
(:func:`openai_crew_llm`: the native OpenAI provider, never LiteLLM).

:class:`CrewAgentLLM` is coordlab's ``LLM`` interface served by one CrewAI ``Agent`` per LLM
step: each prompt runs as a ``Task`` of that agent, so CrewAI's own prompt framing (role, goal,
backstory, task wording) reaches the model and is counted.
"""

from __future__ import annotations

import contextvars
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ConfigDict

from coordlab.backends._crewai_env import crewai_home, prepare_environment
from coordlab.backends._roles import ROLES
from coordlab.domain.wire import HEADER_RE
from coordlab.llm.base import Completion, Message
from coordlab.llm.endpoint import Endpoint, ModelConfig
from coordlab.llm.http_errors import translated
from coordlab.llm.openai_compat import connector_settings

prepare_environment()
with crewai_home():
    import crewai
    from crewai import LLM, Agent, Task
    from crewai.events.utils.console_formatter import set_suppress_console_output
    from crewai.llms import retry as _crewai_retry
    from crewai.llms.base_llm import BaseLLM

EXPECTED = "The answer in exactly the format the instructions ask for, and nothing else."
OPENAI_API_URL = "https://api.openai.com/v1"


class SimCrewLLM(BaseLLM):
    """The simulator as a CrewAI LLM; it reports its own token usage."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    sim: Any = None
    tier: str = "primary"
    last: Any = None

    def call(
        self,
        messages,
        tools=None,
        callbacks=None,
        available_functions=None,
        from_task=None,
        from_agent=None,
        response_model=None,
    ) -> str:
        """Answer CrewAI's messages with the simulator."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        ours = [Message(m["role"], str(m["content"])) for m in messages]
        done = self.sim.complete(ours, self.tier)
        self.last = done
        self._track_token_usage_internal(
            {
                "prompt_tokens": done.tokens_in,
                "completion_tokens": done.tokens_out,
                "total_tokens": done.tokens_in + done.tokens_out,
            }
        )
        return done.text

    def get_input_tokens_count(self, messages, tools=None, response_model=None) -> int:
        """Not estimated ahead of the call (the simulator counts what it receives)."""
        return 0

    def supports_function_calling(self) -> bool:
        """No tools: the steps call coordlab's tools themselves."""
        return False


def openai_crew_llm(endpoint: Endpoint, seed: int) -> BaseLLM:
    """CrewAI's ``LLM(model="openai/MODEL", ...)`` for ``endpoint``: its native OpenAI provider.

    CrewAI 1.15 routes ``openai/MODEL`` to its native provider (``OpenAICompletion``, on the
    ``openai`` SDK) when the model is one it knows or a ``base_url`` is given, and to LiteLLM
    otherwise (not installed: an ImportError). ``custom_openai=True`` forces the native
    provider for any model name; it needs a ``base_url``, so OpenAI's own API is named
    explicitly. It also keeps every call on ``/v1/chat/completions`` (no silent second request
    to ``/v1/responses`` after a 404) and makes CrewAI's context-window preflight a local
    estimate instead of a ``/v1/responses/input_tokens`` request per call.

    Settings (constructor arguments): ``base_url``, ``api_key`` (read from the endpoint's
    variable now), ``timeout`` = ``endpoint.timeout_s`` and ``max_retries=0`` (both handed to
    the ``openai`` client it builds), ``temperature=0`` and ``seed`` (sent in every request).
    CrewAI's two other retries are off elsewhere: the agents' ``max_retry_limit=0`` (in
    :class:`CrewAgentLLM`) and its rate-limit retry around every ``BaseLLM.call``
    (:func:`crewai_retries_off`). Token counts come from the response's ``usage``
    (:meth:`~crewai.llms.base_llm.BaseLLM.get_token_usage_summary`). Nothing on this path
    uses tiktoken.
    """
    with crewai_home():
        settings = connector_settings(endpoint, seed)
        settings["base_url"] = settings["base_url"] or OPENAI_API_URL
        return LLM(model=f"openai/{endpoint.model}", **settings, custom_openai=True)


@contextmanager
def crewai_retries_off() -> Iterator[None]:
    """Switch off the rate-limit retry CrewAI 1.15 wraps around every ``BaseLLM.call``.

    That wrapper (``crewai.llms.retry.run_with_rate_limit_retry``) makes up to 3 attempts on a
    429 (or an error whose text says "rate limit" / "throttled"), sleeping 1-8 s or the
    server's ``Retry-After`` in between: retries the recovery layer would neither count nor
    cost. It runs the call once, unretried, when its context variable says a retry is already
    under way; this sets that variable for the duration of the block.
    """
    active = getattr(_crewai_retry, "_active_llm_rate_limit_retry", None)
    if active is None:  # a CrewAI without the wrapper: nothing to switch off
        yield
        return
    token = active.set(True)
    try:
        yield
    finally:
        active.reset(token)


_IN_CALL = contextvars.ContextVar("coordlab_crewai_call", default=False)
_CREWAI_DIR = os.path.dirname(crewai.__file__)


class _QuietCalls(logging.Filter):
    """Drop CrewAI's own log lines about a model call while coordlab makes it.

    A failed call is an outcome coordlab records (the trial's step record and, when nothing
    catches it, ``crashed``); CrewAI's native provider also logs it with ``logging.error`` on
    the root logger, quoting the server's error body, which coordlab never repeats (it can
    echo part of the key). Its context-window preflight warns on every call that its token
    estimate is approximate; coordlab does not use that estimate.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (_IN_CALL.get() and record.pathname.startswith(_CREWAI_DIR))


for _logger in (logging.getLogger(), logging.getLogger("crewai.llms.base_llm")):
    _logger.addFilter(_QuietCalls())


@contextmanager
def quiet_call() -> Iterator[None]:
    """Run a model call without CrewAI's console panels and log lines about it.

    CrewAI's event listener prints an "LLM Error" panel for every failed call (its console is
    verbose unless a ``Crew`` says otherwise, and coordlab runs no ``Crew``);
    ``set_suppress_console_output`` is CrewAI's own switch for that, scoped to this context.
    """
    console = set_suppress_console_output(True)
    call = _IN_CALL.set(True)
    try:
        yield
    finally:
        _IN_CALL.reset(call)
        console.var.reset(console)


def _tokens(llm: BaseLLM) -> tuple[int, int]:
    usage = llm.get_token_usage_summary()
    return usage.prompt_tokens, usage.completion_tokens


class CrewAgentLLM:
    """coordlab's ``LLM`` interface served by one CrewAI agent per LLM step.

    Args:
        sim: the coordlab LLM the agents' :class:`SimCrewLLM` asks (ignored with ``endpoint``).
        endpoint: a real endpoint: the agents' ``llm`` is then CrewAI's ``LLM`` for the
            call's tier (:func:`openai_crew_llm`), swapped in before each task (CrewAI binds
            ``agent.llm`` to the executor on every task).
        seed: sent with every request to ``endpoint``.
    """

    def __init__(self, sim=None, endpoint: ModelConfig | None = None, seed: int = 0):
        self.endpoint = endpoint
        if endpoint is None:
            self.crew_llm = SimCrewLLM(model="coordlab-sim", sim=sim)
            self.llms = {}
        else:
            self.llms = {
                tier: openai_crew_llm(ep, seed) for tier, ep in endpoint.endpoints().items()
            }
            self.crew_llm = self.llms["primary"]
        self.agents = {
            step: Agent(
                role=role,
                goal=goal,
                backstory=story,
                llm=self.crew_llm,
                max_retry_limit=0,
                verbose=False,
                allow_delegation=False,
            )
            for step, (role, goal, story) in ROLES.items()
        }

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Run the prompt as a Task of the step's agent."""
        step = HEADER_RE.search(messages[-1].content).group(1)
        text = "\n\n".join(m.content for m in messages) + "\n### End"
        agent = self.agents[step]
        task = Task(description=text, expected_output=EXPECTED, agent=agent)
        if self.endpoint is not None:
            return self._complete_endpoint(agent, task, step, model)
        self.crew_llm.tier, self.crew_llm.last = model, None
        with crewai_home(), crewai_retries_off(), quiet_call():
            answer = agent.execute_task(task)
        done = self.crew_llm.last
        return Completion(
            text=str(answer),
            model=done.model,
            tokens_in=done.tokens_in,
            tokens_out=done.tokens_out,
            latency_s=done.latency_s,
            fault=done.fault,
        )

    def _complete_endpoint(self, agent, task, step: str, model: str) -> Completion:
        """One task against the real endpoint: tokens from the LLM's usage, real latency."""
        llm = self.llms[model]
        agent.llm = llm
        before = _tokens(llm)
        where = self.endpoint.endpoint(model).label
        start = time.perf_counter()
        with (
            translated(step, where, lambda: time.perf_counter() - start),
            crewai_home(),
            crewai_retries_off(),
            quiet_call(),
        ):
            answer = agent.execute_task(task)
        elapsed = time.perf_counter() - start
        after = _tokens(llm)
        return Completion(
            text=str(answer),
            model=model,
            tokens_in=after[0] - before[0],
            tokens_out=after[1] - before[1],
            latency_s=elapsed,
        )
