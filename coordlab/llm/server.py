"""``coordlab serve-sim``: the simulated LLM as an OpenAI-compatible HTTP server on localhost.

It serves ``GET /v1/models`` and ``POST /v1/chat/completions`` (with ``usage``; ``stream`` too,
as one content chunk and a usage chunk) and answers exactly as the in-process :class:`SimLLM`
does: same prompts in, same text and token counts out. The models are the price tiers
(``primary``, ``fallback``, ``frontier``); a run points ``--llm openai:primary`` and
``--fallback-llm openai:fallback`` at it.

Faults are drawn by the same keyed hash as in-process, with the request's ``seed`` (OpenAI's
own parameter, which every coordlab connector sends) or the server's ``--seed``; the simulator's
transient faults come back as HTTP, as a real provider's would:

* ``rate_limit`` -> **429** with ``Retry-After`` (and ``retry-after-ms``);
* ``outage`` (the primary tier, per the profile's outage rate) -> **503**;
* ``timeout`` -> the response **stalls** for ``stall_s`` (the client times out first);
* ``rate_limit_share`` adds 429s on that share of requests, keyed the same way, on top of the
  profile (to show what the recovery layer does about a throttling provider).

A correlated profile needs the share of hard tickets: the server takes it from the bundled
dataset, so it matches in-process runs over the bundled tickets.

Example:
    >>> with SimServer("perfect") as server:
    ...     import openai
    ...     client = openai.OpenAI(base_url=server.url, api_key="none")
    ...     sorted(m.id for m in client.models.list())
    ['fallback', 'frontier', 'primary']

"""

from __future__ import annotations

import hashlib
import json
import threading
import time

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from coordlab.errors import ConfigError, TransientError
from coordlab.llm.base import Message
from coordlab.llm.faults import FaultInjector, keyed_uniform
from coordlab.llm.pricing import RATE_LIMIT_S, TIERS
from coordlab.llm.profiles import FaultProfile, get_profile
from coordlab.llm.reading import read_messages
from coordlab.llm.sim import SimLLM

STALL_S = 90.0
"""How long a ``timeout`` fault stalls (longer than any sensible client timeout)."""

_ROLES = {"developer": "system"}


class SimServer:
    """The simulator behind an OpenAI-compatible HTTP API.

    Args:
        profile: the fault profile (name or object) for the model's faults.
        seed: the seed used when a request carries none.
        host: interface to bind (localhost by default: the server is for this machine).
        port: TCP port; 0 picks a free one (read :attr:`url` after :meth:`start`).
        stall_s: how long a ``timeout`` fault stalls the response.
        rate_limit_share: extra 429s on this share of requests, keyed like every fault.
        api_key_env: when set, requests must carry ``Authorization: Bearer $VALUE`` (401
            otherwise), to try a client's key handling.

    Attributes:
        requests: ``"METHOD /path"`` of every request received, in order.

    """

    def __init__(
        self,
        profile: str | FaultProfile = "uniform-97",
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        stall_s: float = STALL_S,
        rate_limit_share: float = 0.0,
        api_key_env: str | None = None,
    ):
        if not 0.0 <= rate_limit_share <= 1.0:
            raise ConfigError(f"rate_limit_share must be in [0, 1], not {rate_limit_share}")
        self.profile = get_profile(profile)
        self.seed = seed
        self.host, self.port = host, port
        self.stall_s = stall_s
        self.rate_limit_share = rate_limit_share
        self.api_key = _read_key(api_key_env)
        self.requests: list[str] = []
        self._sims: dict[int, SimLLM] = {}
        self._server = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"SimServer(profile={self.profile.name!r}, seed={self.seed}, url={self.url!r})"

    @property
    def url(self) -> str:
        """The ``/v1`` base URL clients use."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def app(self) -> Starlette:
        """The ASGI application (serve it with any ASGI server)."""
        return Starlette(
            routes=[
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
            ]
        )

    def sim(self, seed: int) -> SimLLM:
        """The simulator for ``seed`` (one per seed, keyed like an in-process run)."""
        if seed not in self._sims:
            from coordlab.datasets import hard_share, load_tickets

            tickets = load_tickets()
            hard = [t.id for t in tickets if "hard" in t.tags]
            sim = SimLLM(self.profile, seed, hard)
            sim.injector = FaultInjector(self.profile, seed, hard, hard_share(tickets))
            self._sims[seed] = sim
        return self._sims[seed]

    def start(self) -> str:
        """Serve in a background thread; return :attr:`url` once it accepts connections."""
        import uvicorn

        config = uvicorn.Config(
            self.app, host=self.host, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="serve-sim")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"serve-sim could not listen on {self.host}:{self.port}")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self.url

    def stop(self) -> None:
        """Stop serving (stalled requests are dropped)."""
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    async def _models(self, request: Request) -> Response:
        self.requests.append(f"GET {request.url.path}")
        if refused := self._refuse(request):
            return refused
        data = [{"id": tier, "object": "model", "owned_by": "coordlab"} for tier in TIERS]
        return JSONResponse({"object": "list", "data": data})

    async def _chat(self, request: Request) -> Response:
        self.requests.append(f"POST {request.url.path}")
        if refused := self._refuse(request):
            return refused
        try:
            body = await request.json()
            messages = [_message(m) for m in body["messages"]]
            tier = body["model"]
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_request_error", "expected JSON with model and messages")
        if tier not in TIERS:
            return _error(404, "model_not_found", f"model '{tier}' does not exist")
        seed = int(body.get("seed") if body.get("seed") is not None else self.seed)
        try:
            self._throttle(seed, messages)
            done = self.sim(seed).complete(messages, tier)
        except TransientError as err:
            return await self._fault(request, err)
        except ValueError as err:  # the simulator answers coordlab's prompts only
            return _error(400, "invalid_request_error", str(err))
        answer = _completion(done, seed, messages)
        if body.get("stream"):
            return _streamed(answer, body.get("stream_options") or {})
        return JSONResponse(answer)

    def _refuse(self, request: Request) -> Response | None:
        if self.api_key is None:
            return None
        if request.headers.get("authorization") == f"Bearer {self.api_key}":
            return None
        return _error(401, "invalid_api_key", "missing or wrong API key")

    def _throttle(self, seed: int, messages: list[Message]) -> None:
        if not self.rate_limit_share:
            return
        view = read_messages(messages)
        key = (seed, view.ticket, view.step, view.attempt, "http-429")
        if keyed_uniform(*key) < self.rate_limit_share:
            raise TransientError("rate_limit", view.step, "throttled", RATE_LIMIT_S)

    async def _stall(self, request: Request) -> None:
        """Hold the response for ``stall_s``, or until the client gives up and disconnects."""
        deadline = time.monotonic() + self.stall_s
        while time.monotonic() < deadline and not await request.is_disconnected():
            await anyio.sleep(0.05)

    async def _fault(self, request: Request, err: TransientError) -> Response:
        if err.kind == "timeout":
            await self._stall(request)
            return _error(504, "timeout", "the model stalled")
        if err.kind == "rate_limit":
            headers = {
                "retry-after": str(max(1, round(RATE_LIMIT_S))),
                "retry-after-ms": str(round(RATE_LIMIT_S * 1000)),
            }
            return _error(429, "rate_limit_exceeded", "rate limited", headers)
        return _error(503, "service_unavailable", str(err))


def serve(server: SimServer) -> None:
    """Serve in the foreground until interrupted (the CLI's ``serve-sim``)."""
    import uvicorn

    uvicorn.run(server.app, host=server.host, port=server.port, log_level="warning")


def check_address(host: str, port: int) -> None:
    """Fail early, with one line, when ``host:port`` cannot be listened on.

    Raises:
        ConfigError: the port is in use, or the host is not this machine's.
    """
    import os
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as err:
        reason = os.strerror(err.errno) if err.errno else str(err)
        raise ConfigError(f"cannot listen on {host}:{port}: {reason}") from None


def _read_key(env: str | None) -> str | None:
    import os

    if env is None:
        return None
    key = os.environ.get(env, "")
    if not key:
        raise ConfigError(f"serve-sim --api-key-env {env}: ${env} is not set")
    return key


def _message(raw: dict) -> Message:
    content = raw.get("content") or ""
    if isinstance(content, list):  # content parts: keep the text ones
        content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
    role = raw.get("role", "user")
    return Message(_ROLES.get(role, role), str(content))


def _completion(done, seed: int, messages: list[Message]) -> dict:
    digest = hashlib.blake2b(
        json.dumps([seed, [m.content for m in messages]]).encode(), digest_size=12
    ).hexdigest()
    return {
        "id": f"chatcmpl-{digest}",
        "object": "chat.completion",
        "created": 0,
        "model": done.model,
        "system_fingerprint": "coordlab-sim",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": done.text},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": done.tokens_in,
            "completion_tokens": done.tokens_out,
            "total_tokens": done.tokens_in + done.tokens_out,
        },
    }


def _streamed(answer: dict, options: dict) -> StreamingResponse:
    """The answer as server-sent events: one content chunk, a stop chunk, usage if asked."""
    base = {k: answer[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    text = answer["choices"][0]["message"]["content"]
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    if options.get("include_usage"):
        chunks.append({**base, "choices": [], "usage": answer["usage"]})
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
    return StreamingResponse(iter(events), media_type="text/event-stream")


def _error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": code, "code": code, "param": None}}
    return JSONResponse(body, status_code=status, headers=headers)
