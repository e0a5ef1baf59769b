"""Each framework's own OpenAI connector, end to end against ``serve-sim``.

The same configuration run in-process (the simulator behind each framework's model adapter)
and over HTTP (``ChatOpenAI``, CrewAI's native ``LLM``, autogen-ext's
``OpenAIChatCompletionClient``, MAF's ``OpenAIChatCompletionClient``, the ``openai`` SDK for
plain) must give the same trial: the
server answers exactly as the in-process simulator does, from the text it receives, with the
``seed`` the connector sends (the server's own default seed is a different one, so a connector
that dropped the seed would fail). Token counts match too: every connector sends the text its
simulator adapter receives.

Also: a throttling server (429s) is retried by the recovery layer alone (every request the
server saw is an ``llm_calls`` of some row: no connector retries behind coordlab's back) and
crashes the trial without it; nothing calls tiktoken or leaves localhost.

A framework that is not installed is skipped, unless ``COORDLAB_REQUIRE_ALL_BACKENDS=1``.
"""

import importlib
import os
import socket

import pytest
from helpers import cached_rows

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.openai_compat import check_endpoint
from coordlab.llm.profiles import get_profile
from coordlab.llm.server import SimServer

BACKENDS = ["plain", "langgraph", "crewai", "autogen", "maf"]
CONNECTORS = {
    "langgraph": "langchain_openai",
    "crewai": "crewai",
    "autogen": "autogen_ext.models.openai",
    "maf": "agent_framework_openai",
}
"""The module each backend's real-endpoint connector lives in."""
LAYER_GRID = ["none", "all", "state,protocol", "verification,recovery"]
PROFILES = ["uniform-97", "outage"]
N_TICKETS = 12
SEED = 1
SERVER_SEED = 999
"""The seed the server uses for a request without one: never the trials' seed."""
COMPARED = [
    "outcome", "action", "amount", "order_id", "llm_calls", "tokens_in", "tokens_out",
    "tokens_in_fallback", "tokens_out_fallback", "cost_usd", "revisions", "escalated_by",
    "caught_by", "duplicate_side_effects",
]  # fmt: skip
ROUTES = {"GET /v1/models", "POST /v1/chat/completions"}
PLANTED = "sk-coordlab-PLANTED-0123456789abcdef"
WRONG = "sk-coordlab-WRONG-fedcba9876543210"
_PERFECT = get_profile("perfect")
STALLS = _PERFECT.model_copy(
    update={
        "name": "stalls",
        "reliability": _PERFECT.reliability | {"intake": 0.8, "decide": 0.8, "compose": 0.8},
        "mix": _PERFECT.mix | {step: {"timeout": 1} for step in ("intake", "decide", "compose")},
    }
)
"""Model calls that stall (20% of intake, decide and compose calls): client timeouts."""


def needs(backend: str) -> None:
    """Skip when the backend's connector is missing (fail under COORDLAB_REQUIRE_ALL_BACKENDS)."""
    module = CONNECTORS.get(backend)
    if module is None:
        return
    if os.environ.get("COORDLAB_REQUIRE_ALL_BACKENDS") == "1":
        importlib.import_module(module)
    else:
        pytest.importorskip(module)


def config(url: str, timeout_s: float = 3.0) -> ModelConfig:
    """A generous timeout: a loaded machine must never time out a real answer (a stall ends
    when the client gives up, so only the stall test pays for its timeout)."""
    return ModelConfig.parse(
        "openai:primary", base_url=url, fallback="openai:fallback", timeout_s=timeout_s
    )


@pytest.fixture(scope="module", autouse=True)
def offline():
    """Fail on any tiktoken vocabulary load or connection beyond localhost in this module."""
    import tiktoken
    import tiktoken.registry

    touched = []

    def no_tiktoken(*args, **kwargs):
        touched.append(("tiktoken", args))
        raise RuntimeError("tiktoken must not be used: it downloads its vocabulary")

    real_connect = socket.socket.connect

    def local_only(sock, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1"):
            touched.append(("connect", address[:2]))
            raise OSError("only localhost in this test")
        return real_connect(sock, address)

    with pytest.MonkeyPatch.context() as patch:
        for target in (tiktoken, tiktoken.registry):
            patch.setattr(target, "get_encoding", no_tiktoken)
        patch.setattr(tiktoken, "encoding_for_model", no_tiktoken)
        patch.setattr(socket.socket, "connect", local_only)
        yield touched
    assert touched == []


@pytest.fixture(scope="module")
def servers():
    """One server per profile, plus a throttling one (30% of requests answered 429)."""
    running = {p: SimServer(p, seed=SERVER_SEED, stall_s=5.0) for p in PROFILES}
    running["429"] = SimServer("perfect", seed=SERVER_SEED, rate_limit_share=0.3)
    running["stalls"] = SimServer(STALLS, seed=SERVER_SEED, stall_s=5.0)
    for server in running.values():
        server.start()
        check_endpoint(config(server.url))  # what a run does first: GET /v1/models
    yield running
    for server in running.values():
        server.stop()


def over_http(
    backend: str, spec: str, server: SimServer, profile, timeout_s: float = 3.0
) -> tuple[list, int]:
    """Rows of one configuration over HTTP, and how many chat requests the server got."""
    before = len(server.requests)
    rows = list(
        run_trials(
            backend,
            Layers.parse(spec),
            profile,
            load_tickets(limit=N_TICKETS),
            [SEED],
            llm=config(server.url, timeout_s),
        )
    )
    return rows, server.requests[before:].count("POST /v1/chat/completions")


def same(row: dict) -> tuple:
    crash_kind = row["crash"].partition(":")[0]  # the message names the endpoint
    return (*(row[key] for key in COMPARED), crash_kind)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("spec", LAYER_GRID)
@pytest.mark.parametrize("backend", BACKENDS)
def test_over_http_each_trial_is_the_in_process_one(backend, spec, profile, servers):
    needs(backend)
    local = cached_rows(spec, profile, N_TICKETS, (SEED,), backend)
    wire, requests = over_http(backend, spec, servers[profile], profile)
    assert [r["ticket_id"] for r in wire] == [r["ticket_id"] for r in local]
    for here, there in zip(local, wire, strict=True):
        assert same(there) == same(here), here["ticket_id"]
    assert requests == sum(r["llm_calls"] for r in wire)  # no retry the rows do not count
    assert all(r["llm"].startswith("openai:primary @ http://127.0.0.1:") for r in wire)


@pytest.mark.parametrize("spec", ["none", "recovery"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stalled_call_times_out_as_in_process(backend, spec, servers):
    """The client's timeout is a ``timeout`` fault: retried with recovery, a crash without."""
    needs(backend)
    local = cached_rows(spec, STALLS, N_TICKETS, (SEED,), backend)
    wire, requests = over_http(backend, spec, servers["stalls"], STALLS, timeout_s=1.0)
    for here, there in zip(local, wire, strict=True):
        assert same(there) == same(here), here["ticket_id"]
    assert requests == sum(r["llm_calls"] for r in wire)
    timeouts = sum(r["faults"].count(":timeout") for r in wire)
    assert timeouts == sum(r["faults"].count(":timeout") for r in local) > 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_rate_limits_are_retried_by_the_recovery_layer_only(backend, servers):
    needs(backend)
    server = servers["429"]
    clean = cached_rows("recovery", "perfect", N_TICKETS, (SEED,), backend)
    assert {r["outcome"] for r in clean} == {"success"}

    rows, requests = over_http(backend, "recovery", server, "perfect")
    assert requests == sum(r["llm_calls"] for r in rows)
    retried = [r for r, c in zip(rows, clean, strict=True) if r["llm_calls"] > c["llm_calls"]]
    assert len(retried) >= N_TICKETS // 3  # 30% of calls are throttled: most tickets see one
    assert all("recovery" in r["caught_by"].split(";") for r in retried)
    # three 429s in a row on one step: recovery gives up and escalates, never a crash
    assert {r["outcome"] for r in rows} <= {"success", "escalated"}
    assert sum(r["outcome"] == "success" for r in rows) >= N_TICKETS - 2

    bare, requests = over_http(backend, "none", server, "perfect")
    assert requests == sum(r["llm_calls"] for r in bare)
    throttled = [r for r in bare if r["crash"]]
    assert len(throttled) >= N_TICKETS // 3
    assert all(r["outcome"] == "crashed" and r["crash"].startswith("rate_limit") for r in throttled)
    assert all(r["outcome"] == "success" for r in bare if not r["crash"])


@pytest.mark.parametrize("backend", BACKENDS[1:])
def test_the_key_reaches_the_server_and_nothing_else(backend, monkeypatch, capsys, caplog):
    needs(backend)
    caplog.set_level("DEBUG")
    monkeypatch.setenv("COORDLAB_TEST_KEY", PLANTED)
    with SimServer("perfect", api_key_env="COORDLAB_TEST_KEY") as srv:
        cfg = ModelConfig.parse(
            "openai:primary", base_url=srv.url, api_key_env="COORDLAB_TEST_KEY", timeout_s=5
        )
        tickets = load_tickets(limit=3)
        rows = list(run_trials(backend, Layers(), "perfect", tickets, [SEED], llm=cfg))
        assert {r["outcome"] for r in rows} == {"success"}  # the key was sent
        monkeypatch.setenv("COORDLAB_TEST_KEY", WRONG)
        refused = list(run_trials(backend, Layers(), "perfect", tickets, [SEED], llm=cfg))
    assert all(r["crash"].startswith("EndpointError: ") for r in refused)
    assert all("refused the API key" in r["crash"] for r in refused)
    printed = capsys.readouterr()
    for text in [printed.out, printed.err, caplog.text, repr(rows + refused)]:
        assert PLANTED not in text and WRONG not in text


def test_the_servers_saw_only_models_and_chat_completions(servers):
    for server in servers.values():
        assert "GET /v1/models" in server.requests
        assert set(server.requests) <= ROUTES


def test_the_connectors_are_the_frameworks_own_with_retries_off(servers, monkeypatch):
    """Each backend's per-tier connector: class, seed, temperature 0, no retries, timeout."""
    from coordlab.backends.base import backend_class
    from coordlab.experiment.runner import Session
    from coordlab.llm.profiles import get_profile

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = ModelConfig.parse(
        "openai:primary", base_url=servers["outage"].url, fallback="openai:fallback", timeout_s=7
    )
    tickets = load_tickets(limit=2)
    checked = 0
    for name in BACKENDS[1:]:
        try:
            needs(name)
        except pytest.skip.Exception:
            continue
        session = Session(Layers())
        try:
            backend = backend_class(name)(session.desk_for(get_profile("perfect"), 5, tickets, cfg))
            for tier, settings in connector_settings(name, backend).items():
                assert settings == {
                    "model": tier, "retries": 0, "temperature": 0.0, "seed": 5, "timeout": 7.0,
                }, (name, tier)  # fmt: skip
        finally:
            session.close()
        checked += 1
    if not checked:
        pytest.skip("no framework connector installed")


def connector_settings(name: str, backend) -> dict:
    """``{tier: settings}`` read back from each framework's connector objects."""
    if name == "langgraph":
        from langchain_openai import ChatOpenAI

        chats = backend.desk.llm.chats
        assert all(type(chat) is ChatOpenAI for chat in chats.values())
        return {
            tier: {
                "model": chat.model_name,
                "retries": chat.root_client.max_retries,
                "temperature": chat.temperature,
                "seed": chat.seed,
                "timeout": chat.root_client.timeout,
            }
            for tier, chat in chats.items()
        }
    if name == "crewai":
        from crewai.llms.providers.openai.completion import OpenAICompletion

        llms = backend.desk.llm.llms
        assert all(type(llm) is OpenAICompletion for llm in llms.values())  # native, no LiteLLM
        return {
            tier: {
                "model": llm.model,
                "retries": llm._get_sync_client().max_retries,
                "temperature": llm.temperature,
                "seed": llm.seed,
                "timeout": llm._get_sync_client().timeout,
            }
            for tier, llm in llms.items()
        }
    if name == "maf":
        return maf_connector_settings(backend)
    from autogen_ext.models.openai import OpenAIChatCompletionClient

    clients = backend.models.client.clients
    assert all(type(c) is OpenAIChatCompletionClient for c in clients.values())
    out = {}
    for tier, client in clients.items():
        dumped = client.dump_component().config
        out[tier] = {
            "model": dumped["model"],
            "retries": dumped["max_retries"],
            "temperature": dumped["temperature"],
            "seed": dumped["seed"],
            "timeout": dumped["timeout"],
        }
    return out


def maf_connector_settings(backend) -> dict:
    """MAF: each tier's agents share one ``OpenAIChatCompletionClient``; options are the agents'."""
    from agent_framework.openai import OpenAIChatCompletionClient

    out = {}
    for (tier, _), agent in backend.models.agents.items():
        client, options = agent.client, agent.default_options
        assert type(client) is OpenAIChatCompletionClient
        settings = {
            "model": client.model,
            "retries": client.client.max_retries,
            "temperature": options["temperature"],
            "seed": options["seed"],
            "timeout": client.client.timeout,
        }
        assert out.setdefault(tier, settings) == settings
    return out
