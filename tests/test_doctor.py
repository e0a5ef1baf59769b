import socket

import pytest

from coordlab import Layers, ResultCache, load_tickets
from coordlab.backends.base import REGISTRY
from coordlab.cli import main
from coordlab.doctor import describe_cache, diagnose
from coordlab.llm.server import SimServer

PLANTED = "sk-test-PLANTED-5f1c0ffee"
SECTIONS = (
    "Versions",
    "Dependencies and extras",
    "Backends",
    "Offline settings",
    "Where files go",
)


def doctor(capsys, *args) -> tuple[int, str]:
    code = main(["doctor", *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def flat(text: str) -> str:
    """The report with its wrapped lines joined (long paths wrap)."""
    return " ".join(text.split())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def endpoint_lines(out: str) -> list[str]:
    block = out.split("Model endpoint", 1)[1].split("\n\n", 1)[0]
    return block.splitlines()[1:]


def test_doctor_prints_every_section_and_backend(capsys):
    code, out = doctor(capsys)
    assert code == 0, out
    assert out.startswith("coordlab doctor")
    for title in SECTIONS:
        assert f"\n{title}" in out
    assert "Model endpoint" not in out  # only asked for with --base-url
    backends = out.split("\nBackends", 1)[1].split("\n\n", 1)[0]
    for name in REGISTRY:
        assert f"\n  {name} " in backends
    assert "HF_HUB_OFFLINE" in out and "CREWAI_DISABLE_TELEMETRY" in out
    assert out.rstrip().endswith("Everything asked for is fine.")


def test_doctor_imports_no_framework():
    import subprocess
    import sys

    code = (
        "import sys; from coordlab.doctor import diagnose; diagnose();"
        "print(sorted(m for m in ('crewai', 'langgraph', 'autogen_agentchat', 'ray')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_sim_server_answers_and_lists_its_models(capsys):
    with SimServer("perfect") as server:
        code, out = doctor(capsys, "--base-url", server.url)
    assert code == 0, out
    assert f"Model endpoint {server.url}" in out
    answers = [line for line in endpoint_lines(out) if "answers" in line]
    assert len(answers) == 1 and "primary" in answers[0]


def test_an_unreachable_endpoint_is_one_line_and_exit_2(capsys):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    code, out = doctor(capsys, "--base-url", url)
    assert code == 2
    failed = [line for line in endpoint_lines(out) if "FAILED" in line]
    assert failed == [f"  FAILED       cannot reach {url}: is the server running?"]
    assert "Traceback" not in out and out.rstrip().endswith(f"Problems: model endpoint {url}.")


def test_a_bad_url_is_reported_not_raised(capsys):
    code, out = doctor(capsys, "--base-url", "ftp://example")
    assert code == 2 and "bad base URL" in out


def test_a_required_key_that_is_unset_fails_without_a_call(capsys, monkeypatch):
    monkeypatch.delenv("COORDLAB_TEST_NO_KEY", raising=False)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    code, out = doctor(capsys, "--base-url", url, "--api-key-env", "COORDLAB_TEST_NO_KEY")
    assert code == 2
    assert "$COORDLAB_TEST_NO_KEY not set (required)" in out
    assert "cannot reach" not in out


def test_the_key_is_used_but_never_printed(capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED)
    with SimServer("perfect", api_key_env="OPENAI_API_KEY") as server:
        code, out = doctor(capsys, "--base-url", server.url)
        assert code == 0, out
        assert "$OPENAI_API_KEY set" in out and "serves: primary" in out
        assert PLANTED not in out and "PLANTED" not in out

        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-wrong")
        code, out = doctor(capsys, "--base-url", server.url)
    assert code == 2
    assert "refused the API key in $OPENAI_API_KEY (401)" in out
    assert PLANTED not in out and "PLANTED" not in out and "sk-test-wrong" not in out


def test_otlp_variables_and_odd_switch_values_are_named_not_shown(capsys, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"authorization=Bearer {PLANTED}")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:4318")
    monkeypatch.setenv("HF_HUB_OFFLINE", PLANTED)  # not a switch value: shown only as set
    code, out = doctor(capsys)
    assert code == 0
    names = "OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS set (values not shown)"
    assert names in flat(out)
    assert "PLANTED" not in out and "collector.example" not in out
    assert "(set)" in out


def test_a_users_offline_switch_is_reported_as_kept(monkeypatch):
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "1")
    report, ok = diagnose()
    assert ok
    line = next(line for line in report.splitlines() if "RAY_USAGE_STATS_ENABLED" in line)
    assert "yours, kept (coordlab would set 0)" in line


def test_a_results_cache_is_counted(tmp_path, capsys):
    cache = ResultCache(tmp_path / "cache")
    cache.rows("plain", Layers.none(), "perfect", load_tickets(limit=3), [0])
    code, out = doctor(capsys, "--cache", str(tmp_path / "cache"))
    assert code == 0, out
    assert f"{tmp_path / 'cache'}: stores 1, parts 1, rows 3" in flat(out)


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_cache_path_is_checked(tmp_path, kind):
    path = tmp_path / "cache"
    if kind == "file":
        path.write_text("not a cache")
    text, ok = describe_cache(path)
    assert ok == (kind == "missing")
    assert ("not there yet" if ok else "a file, not a directory") in text
