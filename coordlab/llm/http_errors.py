"""What an OpenAI-compatible endpoint's HTTP errors mean to coordlab.

Every connector (the ``openai`` SDK, LangChain's ``ChatOpenAI``, CrewAI's ``LLM``, AutoGen's
``OpenAIChatCompletionClient``) raises the ``openai`` SDK's exceptions, sometimes wrapped in its
own; :func:`translate` finds them in the exception chain and says what they are:

================================  ================================================
HTTP 429 (rate limit)             :class:`TransientError` ``rate_limit``, with the
                                  server's ``Retry-After``
HTTP 5xx, connection dropped      :class:`TransientError` ``outage`` (the fallback
                                  model takes over when recovery is on)
client timeout (a stalled call)   :class:`TransientError` ``timeout``
HTTP 401/403, 404, other 4xx      :class:`EndpointError`: the run cannot go on
================================  ================================================

Messages are coordlab's own: a server's error body can echo part of the key, so it is never
repeated.

Example:
    >>> import httpx, openai
    >>> request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    >>> err = openai.APITimeoutError(request)
    >>> translate(err, "decide", elapsed_s=2.0).kind
    'timeout'

"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from coordlab.errors import EndpointError, TransientError

MAX_RETRY_AFTER_S = 30.0
"""The longest ``Retry-After`` coordlab honours (a misbehaving server cannot park a sweep)."""


def openai_error(err: BaseException) -> BaseException | None:
    """The ``openai`` SDK exception in ``err``'s chain (frameworks wrap it), if any."""
    import openai

    seen = set()
    while err is not None and id(err) not in seen:
        if isinstance(err, openai.OpenAIError):
            return err
        seen.add(id(err))
        err = err.__cause__ or err.__context__
    return None


def translate(
    err: BaseException, step: str, elapsed_s: float = 0.0, where: str = "the endpoint"
) -> Exception | None:
    """Map an exception raised by a connector to coordlab's error, or ``None`` if foreign.

    Args:
        err: what the connector raised.
        step: the pipeline step that made the call.
        elapsed_s: real seconds the failed call took (it goes on the trial's clock).
        where: the endpoint's label, for messages.

    """
    import openai

    found = openai_error(err)
    if found is None:
        return None
    if isinstance(found, openai.APITimeoutError):
        return TransientError("timeout", step, f"{where} timed out", elapsed_s)
    if isinstance(found, openai.APIConnectionError):
        return TransientError("outage", step, f"cannot reach {where}", elapsed_s)
    if isinstance(found, openai.RateLimitError):
        wait = retry_after_s(found.response.headers)
        return TransientError("rate_limit", step, f"{where} rate limited (429)", elapsed_s, wait)
    if isinstance(found, openai.InternalServerError):
        code = found.status_code
        return TransientError("outage", step, f"{where} failed ({code})", elapsed_s)
    return endpoint_error(found, where)


def endpoint_error(err: BaseException, where: str, key_env: str = "") -> EndpointError:
    """The one-line :class:`EndpointError` for a fatal HTTP status (never the server's text)."""
    import openai

    code = getattr(err, "status_code", None)
    if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
        hint = f" in ${key_env}" if key_env else ""
        return EndpointError(f"{where} refused the API key{hint} ({code})")
    if isinstance(err, openai.NotFoundError):
        return EndpointError(f"{where} answered 404: no such model or path")
    if isinstance(err, openai.APIConnectionError):
        return EndpointError(f"cannot reach {where}: is the server running?")
    return EndpointError(f"{where} refused the request ({code or type(err).__name__})")


def retry_after_s(headers) -> float:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (capped), 0 when absent or a date."""
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return min(MAX_RETRY_AFTER_S, max(0.0, float(value) * scale))
        except ValueError:
            return 0.0
    return 0.0


@contextmanager
def translated(step: str, where: str, clock) -> Iterator[None]:
    """Re-raise a connector's ``openai`` error as coordlab's (see :func:`translate`).

    Args:
        step: the step making the call.
        where: the endpoint's label.
        clock: a zero-argument function giving real seconds since the call started.

    """
    try:
        yield
    except Exception as err:
        mapped = translate(err, step, clock(), where)
        if mapped is None:
            raise
        raise mapped from None
