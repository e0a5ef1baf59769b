"""The ``openai`` SDK as coordlab's model interface (the ``plain`` backend's connector).

:class:`OpenAILLM` sends coordlab's prompts to any OpenAI-compatible endpoint and reads
``usage`` from the answer. Its settings are those every framework connector gets too:

* ``max_retries=0``: the recovery layer is the only retry, so a retry is counted and costed;
* ``temperature=0`` and ``seed=`` the trial's seed: as repeatable as the server allows
  (``coordlab serve-sim`` keys its faults by that seed);
* ``timeout=`` the endpoint's :attr:`~coordlab.llm.endpoint.Endpoint.timeout_s`.

Latency is the real duration of the call. :func:`check_endpoint` asks the server for its models
before a run writes anything, so a dead endpoint, a refused key or an unknown model is one line.

Example:
    >>> from coordlab.llm.endpoint import ModelConfig
    >>> OpenAILLM(ModelConfig.parse("openai:primary", base_url="http://127.0.0.1:9/v1"), seed=3)
    OpenAILLM('openai:primary @ http://127.0.0.1:9/v1', seed=3)

"""

from __future__ import annotations

import time

from coordlab.domain.wire import HEADER_RE
from coordlab.errors import EndpointError
from coordlab.llm.base import Completion, Message
from coordlab.llm.endpoint import Endpoint, ModelConfig
from coordlab.llm.http_errors import endpoint_error, openai_error, translated

TEMPERATURE = 0.0
PREFLIGHT_TIMEOUT_S = 5.0


def connector_settings(endpoint: Endpoint, seed: int) -> dict:
    """The settings every framework's OpenAI connector is built with (one place: no drift).

    ``ChatOpenAI``, CrewAI's ``LLM`` and AutoGen's ``OpenAIChatCompletionClient`` all take
    these keywords: the endpoint, the key read now, the timeout, their own retries off,
    ``temperature=0`` and the trial's ``seed``.

    Example:
        >>> from coordlab.llm.endpoint import Endpoint
        >>> settings = connector_settings(Endpoint("m", "http://127.0.0.1:9/v1"), seed=2)
        >>> settings["max_retries"], settings["seed"]
        (0, 2)
    """
    return {
        "base_url": endpoint.base_url,
        "api_key": endpoint.api_key(),
        "timeout": endpoint.timeout_s,
        "max_retries": 0,
        "temperature": TEMPERATURE,
        "seed": seed,
    }


def openai_client(endpoint: Endpoint, timeout_s: float | None = None):
    """An ``openai.OpenAI`` client for ``endpoint``, with the SDK's own retries off."""
    import openai

    return openai.OpenAI(
        base_url=endpoint.base_url,
        api_key=endpoint.api_key(),
        timeout=timeout_s or endpoint.timeout_s,
        max_retries=0,
    )


def step_of(messages: list[Message]) -> str:
    """The step named in the prompt's request header (``model`` if there is none)."""
    match = HEADER_RE.search(messages[-1].content) if messages else None
    return match.group(1) if match else "model"


class OpenAILLM:
    """coordlab's ``LLM`` interface over the ``openai`` SDK.

    Args:
        config: the primary (and fallback) endpoint.
        seed: sent as the request's ``seed``.

    """

    def __init__(self, config: ModelConfig, seed: int = 0):
        self.config = config
        self.seed = seed
        self.clients = {tier: openai_client(ep) for tier, ep in config.endpoints().items()}

    def __repr__(self) -> str:
        return f"OpenAILLM({self.config.label!r}, seed={self.seed})"

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Call the endpoint for tier ``model``; HTTP trouble becomes coordlab's errors."""
        endpoint = self.config.endpoint(model)
        start = time.perf_counter()
        with translated(step_of(messages), endpoint.label, lambda: time.perf_counter() - start):
            answer = self.clients[model].chat.completions.create(
                model=endpoint.model,
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=TEMPERATURE,
                seed=self.seed,
            )
        usage = answer.usage
        return Completion(
            text=answer.choices[0].message.content or "",
            model=model,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            latency_s=time.perf_counter() - start,
        )


def check_endpoint(config: ModelConfig) -> list[str]:
    """Ask each endpoint for its models before a run; return the models the primary serves.

    A server that does not list models (``/models`` answers 404) is let through: the first
    call will tell.

    Raises:
        EndpointError: unreachable, a missing or refused key, or a model the server lacks.

    """
    import openai

    served: list[str] = []
    for endpoint in dict.fromkeys(config.endpoints().values()):
        client = openai_client(endpoint, timeout_s=min(endpoint.timeout_s, PREFLIGHT_TIMEOUT_S))
        try:
            names = [m.id for m in client.models.list()]
        except openai.NotFoundError:
            continue
        except Exception as err:
            found = openai_error(err)
            if found is None:
                raise
            raise endpoint_error(found, endpoint.label, endpoint.key_env) from None
        if endpoint.model not in names:
            known = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
            raise EndpointError(
                f"{endpoint.label} has no model '{endpoint.model}'; it serves: {known}"
            )
        served = served or names
    return served
