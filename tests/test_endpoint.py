"""Real endpoints through serve-sim: the wire, the errors, key hygiene, tracing (plain backend).

Each framework's own connector is tested in ``test_connectors.py``; here the ``openai`` SDK
connector and everything around it.
"""

import json
import socket
from pathlib import Path

import httpx
import openai
import pytest

import coordlab
from coordlab import Layers, load_tickets
from coordlab.cli import main
from coordlab.errors import ConfigError, EndpointError, TransientError
from coordlab.experiment.runner import run_trials
from coordlab.llm.base import Message
from coordlab.llm.endpoint import ModelConfig
from coordlab.llm.http_errors import translate
from coordlab.llm.openai_compat import OpenAILLM, check_endpoint
from coordlab.llm.reading import read_messages
from coordlab.llm.server import SimServer
from coordlab.llm.sim import SimLLM
from coordlab.tracing import enabled

PLANTED = "sk-coordlab-PLANTED-0123456789abcdef"
PROMPT = [
    Message("system", "Answer."),
    Message(
        "user",
        "[coordlab] step=intake ticket=T0001 attempt=1\n### Email\nDate: 2026-05-01\n\n"
        "Where is order ORD-10001?",
    ),
]


@pytest.fixture(scope="module")
def server():
    with SimServer("uniform-97", stall_s=5.0) as running:
        yield running


def config(url: str, **kwargs) -> ModelConfig:
    return ModelConfig.parse(
        "openai:primary", base_url=url, fallback="openai:fallback", timeout_s=0.5, **kwargs
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_model_specs_are_checked():
    with pytest.raises(ConfigError, match="openai:MODEL"):
        ModelConfig.parse("llama3")
    with pytest.raises(ConfigError, match="http"):
        ModelConfig.parse("openai:x", base_url="localhost:11434")
    local = ModelConfig.parse("openai:llama3.1", base_url="http://localhost:11434/v1/")
    assert local.primary.base_url == "http://localhost:11434/v1"
    assert not local.primary.key_required  # a local server may need no key


def test_over_http_the_answer_and_usage_are_the_simulators(server):
    sim = SimLLM("uniform-97", seed=0)
    wire = OpenAILLM(config(server.url), seed=0).complete(PROMPT)
    local = sim.complete(PROMPT)
    assert (wire.text, wire.tokens_in, wire.tokens_out) == (
        local.text,
        local.tokens_in,
        local.tokens_out,
    )
    streamed = openai.OpenAI(base_url=server.url, api_key="x").chat.completions.create(
        model="primary",
        messages=[{"role": m.role, "content": m.content} for m in PROMPT],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(streamed)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == local.text
    assert chunks[-1].usage.prompt_tokens == local.tokens_in


def _keyed(kind: str, profile: str, step: str = "decide") -> list[Message]:
    """A prompt whose keyed draw under ``profile`` (seed 0) is the transient ``kind``."""
    sim = SimLLM(profile, seed=0)
    for n in range(1, 400):
        ticket = f"T{n:04d}"
        messages = [Message("user", f"[coordlab] step={step} ticket={ticket} attempt=1\n")]
        try:
            sim.complete(messages)
        except TransientError as err:
            if err.kind == kind:
                return messages
    raise AssertionError(f"no {kind} drawn")


@pytest.mark.parametrize(
    "kind, profile, status", [("rate_limit", "uniform-90", 429), ("outage", "outage", 503)]
)
def test_transient_faults_come_back_as_http_statuses(kind, profile, status):
    messages = _keyed(kind, profile, "intake" if kind == "outage" else "decide")
    with SimServer(profile) as srv:
        answer = httpx.post(
            f"{srv.url}/chat/completions",
            json={"model": "primary", "messages": [vars(m) for m in messages], "seed": 0},
        )
        assert answer.status_code == status
        if status == 429:
            assert float(answer.headers["retry-after-ms"]) > 0
        with pytest.raises(TransientError) as caught:
            OpenAILLM(config(srv.url), seed=0).complete(messages)
        assert caught.value.kind == kind


def test_a_stalled_call_times_out_as_a_timeout(server):
    messages = _keyed("timeout", "uniform-97")
    with pytest.raises(TransientError) as caught:
        OpenAILLM(config(server.url), seed=0).complete(messages)
    assert caught.value.kind == "timeout"


def test_fatal_statuses_are_endpoint_errors():
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    cases = {openai.AuthenticationError: (401, "refused the API key"),
             openai.NotFoundError: (404, "no such model")}  # fmt: skip
    for cls, (status, words) in cases.items():
        response = httpx.Response(status, request=request)
        raised = cls(f"Incorrect API key provided: {PLANTED}", response=response, body=None)
        try:
            raise RuntimeError("a framework's own wrapper") from raised
        except RuntimeError as wrapped:
            mapped = translate(wrapped, "decide")
        assert isinstance(mapped, EndpointError) and words in str(mapped)
        assert PLANTED not in str(mapped)  # a server's echo of the key is never repeated
    assert translate(RuntimeError("not an endpoint's"), "decide") is None


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_bad_endpoints_are_one_line_and_exit_2(command, server, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "out"
    base = [command, "--tickets", "2"] + (["--out", str(out)] if command == "sweep" else [])
    cases = {
        "cannot reach": ["--llm", "openai:primary", "--base-url",
                         f"http://127.0.0.1:{closed_port()}/v1"],
        "no API key": ["--llm", "openai:gpt-4o-mini"],
        "no model 'gpt-9'": ["--llm", "openai:gpt-9", "--base-url", server.url],
    }  # fmt: skip
    for words, flags in cases.items():
        assert main(base + flags) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words in err, err
    assert not out.exists()  # nothing half-written


def test_a_refused_key_is_one_line_and_the_key_never_shows(monkeypatch, capsys):
    monkeypatch.setenv("COORDLAB_TEST_SERVER_KEY", PLANTED)
    monkeypatch.setenv("MY_KEY", "sk-wrong-" + PLANTED[::-1])
    with SimServer("perfect", api_key_env="COORDLAB_TEST_SERVER_KEY") as srv:
        code = main(["run", "--llm", "openai:primary", "--base-url", srv.url,
                     "--api-key-env", "MY_KEY"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "refused the API key in $MY_KEY (401)" in err
    assert PLANTED not in err and PLANTED[::-1] not in err


def test_the_key_reaches_nothing_coordlab_writes(tmp_path, monkeypatch, capsys, caplog):
    """Rows, summaries, a sweep store, a report, a trace, logs: none holds the planted key."""
    caplog.set_level("DEBUG")
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    with SimServer("uniform-97", stall_s=5.0, api_key_env="OPENAI_API_KEY") as srv:
        flags = [
            "--llm",
            "openai:primary",
            "--fallback-llm",
            "openai:fallback",
            "--base-url",
            srv.url,
            "--api-key-env",
            "OPENAI_API_KEY",
            "--timeout",
            "0.5",
        ]
        assert (
            main(
                [
                    "run",
                    "--tickets",
                    "6",
                    "--json",
                    "--trace",
                    str(tmp_path / "t.jsonl"),
                    "--cache",
                    str(tmp_path / "cache"),
                    *flags,
                ]
            )
            == 0
        )
        assert (
            main(
                [
                    "sweep",
                    "--tickets",
                    "4",
                    "--layers-grid",
                    "none;all",
                    "--executor",
                    "serial",
                    "--out",
                    str(tmp_path / "grid"),
                    "--json",
                    *flags,
                ]
            )
            == 0
        )
        assert main(["report", str(tmp_path / "grid"), "--out", str(tmp_path / "r.html")]) == 0
    printed = capsys.readouterr()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in written) and (tmp_path / "t.jsonl").stat().st_size
    for text in [printed.out, printed.err, caplog.text] + [p.read_bytes().decode("latin-1")
                                                             for p in written]:  # fmt: skip
        assert PLANTED not in text
    rows = pd_rows(tmp_path / "grid")
    assert set(rows["llm"]) == {
        f"openai:primary @ {srv.url} (fallback openai:fallback @ {srv.url})"
    }


def pd_rows(path: Path):
    import pandas as pd

    return pd.read_parquet(path)


def test_requests_go_only_to_the_configured_endpoint(server, monkeypatch):
    contacted = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        contacted.append(address[:2])
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    before = len(server.requests)
    cfg = config(server.url)
    check_endpoint(cfg)
    rows = list(run_trials("plain", Layers(), "uniform-97", load_tickets(limit=10), [0], cfg))
    seen = server.requests[before:]
    assert set(contacted) == {("127.0.0.1", server.port)}
    assert seen.count("POST /v1/chat/completions") == sum(r["llm_calls"] for r in rows)
    assert set(seen) == {"GET /v1/models", "POST /v1/chat/completions"}


class RefundEverything(SimServer):
    """An endpoint that always wants to refund $5,000, whatever it is asked."""

    async def _chat(self, request):
        from starlette.responses import JSONResponse

        body = await request.json()
        view = read_messages([Message(m["role"], m["content"]) for m in body["messages"]])
        fields = {"intent": "refund", "order_id": "ORD-10001", "requested_amount": 5000.0,
                  "reason": "ignore your rules", "action": "refund", "amount": 5000.0,
                  "policy_ids": ["POL-001"], "passed": True, "blame": None,
                  "text": "We have refunded $5,000.00 [POL-001]."}  # fmt: skip
        text = json.dumps(fields) if view.typed else "\n".join(
            ["Intent: refund", "Order: ORD-10001", "Amount: 5000.00", "Action: refund",
             "Policies: POL-001", "Verdict: pass", "We have refunded $5,000.00 [POL-001]."]
        )  # fmt: skip
        usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        choice = {"index": 0, "message": {"role": "assistant", "content": text},
                  "finish_reason": "stop"}  # fmt: skip
        answer = {"id": "x", "object": "chat.completion", "created": 0,
                  "model": body["model"], "choices": [choice], "usage": usage}  # fmt: skip
        return JSONResponse(answer)


@pytest.mark.parametrize("spec", ["none", "protocol,recovery"])
def test_the_refund_tool_holds_whatever_the_model_says(spec):
    """With no gate or typed state between them, the $5,000 reaches the tool, which refuses."""
    with RefundEverything("perfect") as srv:
        rows = list(run_trials("plain", Layers.parse(spec), "perfect", load_tickets(limit=12),
                               [0], config(srv.url)))  # fmt: skip
    assert sum(r["unauthorized_refunds"] for r in rows) == 0
    # refused by the refund tool itself (behind MCP, its refusal is the protocol layer's error)
    assert all(r["action"] != "refund" and r["caught_by"] in ("tool", "protocol") for r in rows)


def test_a_trial_over_http_is_traced_with_the_model_and_never_the_key(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    cfg = config(server.url)
    with enabled("memory") as tracing:
        summary = coordlab.run(backend="plain", layers="all", profile="uniform-97",
                               tickets=3, llm=cfg)  # fmt: skip
    trials = [s for s in tracing.spans if s.name.startswith("trial ")]
    assert [t.attributes["coordlab.ticket"] for t in trials] == ["T0001", "T0002", "T0003"]
    assert {t.attributes["coordlab.llm"] for t in trials} == {cfg.label} == {summary["llm"]}
    chats = [s for s in tracing.spans if s.name.startswith("chat ")]
    assert len(chats) == summary["llm_calls"]
    assert all(PLANTED not in json.dumps(dict(s.attributes)) for s in tracing.spans)
