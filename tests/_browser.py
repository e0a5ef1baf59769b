"""Helpers for the real-browser test (tests/test_browser.py).

JupyterLab and Voilà are started on a free localhost port with a token, in their own process
group, with HOME and every Jupyter/IPython/matplotlib directory pointed at a temporary directory
(the virtualenv's share/jupyter stays on the search path, so the ipywidgets lab extension and the
kernelspec are found) and with JupyterLab's network features off (news feed, update check,
PyPI extension manager). Chromium is Debian's (/usr/bin/chromium), driven by Playwright through
``executable_path``: nothing here downloads a browser, and the page may only reach localhost.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("COORDLAB_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home (a closed network here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Only this machine: every other host name fails to resolve inside the browser.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
ARTIFACTS = Path(os.environ.get("COORDLAB_BROWSER_ARTIFACTS", REPO / "artifacts" / "browser"))
INSTALL_HINT = (
    'pip install -e ".[dev]" (playwright, jupyterlab, voila) and '
    "apt-get install -y chromium (Debian's /usr/bin/chromium; never `playwright install`)"
)


def require_browser_stack() -> None:
    """Skip (or fail, under COORDLAB_REQUIRE_ALL_BACKENDS=1) when a piece is missing."""
    missing = [
        mod
        for mod in ("playwright", "jupyterlab", "voila", "ipywidgets", "ipykernel")
        if importlib.util.find_spec(mod) is None
    ]
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(CHROMIUM)
    if not missing:
        return
    reason = f"browser test needs {', '.join(missing)}: {INSTALL_HINT}"
    if os.environ.get("COORDLAB_REQUIRE_ALL_BACKENDS") == "1":
        pytest.fail(reason + " (COORDLAB_REQUIRE_ALL_BACKENDS=1: not skipping)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home: Path) -> dict[str, str]:
    """Environment for a Jupyter/Voilà server that writes nothing outside ``home``."""
    env = dict(os.environ)
    dirs = {
        "HOME": home,
        "JUPYTER_CONFIG_DIR": home / "jupyter-config",
        "JUPYTER_DATA_DIR": home / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": home / "jupyter-runtime",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
        "XDG_CONFIG_HOME": home / "xdg-config",
        "XDG_CACHE_HOME": home / "xdg-cache",
        "XDG_DATA_HOME": home / "xdg-data",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    # The virtualenv's share/jupyter (lab extensions, kernelspec, voila templates) is found
    # through sys.prefix whatever HOME is; JUPYTER_PATH only adds to it.
    env.pop("JUPYTER_PLATFORM_DIRS", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("ENABLE_INSTRUMENTATION", "false")
    # A config file rather than command-line flags, so None is a real null.
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "LabApp": {
                    "news_url": None,
                    "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                    "extension_manager": "readonly",
                },
                "ServerApp": {"terminals_enabled": False},
            }
        )
    )
    # The same in the user's settings, so JupyterLab does not ask "get notified about news?".
    notification = (
        dirs["JUPYTERLAB_SETTINGS_DIR"]
        / "@jupyterlab"
        / "apputils-extension"
        / "notification.jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return env


@dataclass
class Server:
    """A server process in its own process group, with its log in a file."""

    name: str
    base_url: str
    token: str
    proc: subprocess.Popen
    log_path: Path
    _log: object = field(repr=False, default=None)

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}"

    def log_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def wait_ready(self, probe: str, timeout: float = 60.0) -> None:
        """Wait until ``probe`` answers over HTTP (any status counts as up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url(probe), timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise TimeoutError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Terminate the whole process group (kernels included), then kill what is left."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        if self._log is not None:
            self._log.close()


def start_server(
    name: str,
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    port: int,
    token: str,
    log_path: Path,
) -> Server:
    """Start ``argv`` in a new session (its own process group) with output to ``log_path``."""
    log = open(log_path, "wb")  # noqa: SIM115 - closed by Server.stop
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return Server(name, f"http://127.0.0.1:{port}", token, proc, log_path, log)


def jupyterlab_argv(root: Path, port: int, token: str) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    return argv


def voila_argv(notebook: Path, port: int, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        notebook.name,
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--token={token}",
    ]


@contextlib.contextmanager
def serving(probe: str, **start) -> Iterator[Server]:
    """:func:`start_server` with ``start``'s arguments, ready once ``probe`` answers."""
    server = start_server(**start)
    try:
        server.wait_ready(probe)
        yield server
    finally:
        server.stop()


def strip_outputs(src: Path, dst: Path) -> None:
    """Copy a notebook without outputs or saved widget state, so every view is from this run."""
    nb = json.loads(src.read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)
    dst.write_text(json.dumps(nb, indent=1))


@dataclass
class OfflineGuard:
    """Records every request a page makes to anything but this machine.

    Chromium itself cannot resolve any other host (``--host-resolver-rules`` in CHROMIUM_ARGS);
    this only watches, so a test can assert the page tried nothing. It does not intercept:
    Playwright's request routing slows JupyterLab's start enough to make it replace its first
    kernel, and Run All then goes nowhere.
    """

    blocked: list[str] = field(default_factory=list)
    # Requests that are known and harmless offline (they fail, nothing depends on them).
    tolerated: tuple[str, ...] = ()
    tolerated_seen: list[str] = field(default_factory=list)

    @staticmethod
    def is_foreign(url: str) -> bool:
        return not url.startswith(
            ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")
        )

    def _record(self, url: str) -> None:
        if not self.is_foreign(url):
            return
        if url.startswith(self.tolerated):
            self.tolerated_seen.append(url)
        else:
            self.blocked.append(url)

    def _request(self, request) -> None:
        self._record(request.url)

    def _websocket(self, ws) -> None:
        self._record(ws.url)

    def install(self, context) -> None:
        context.on("request", self._request)
        context.on("page", lambda page: page.on("websocket", self._websocket))


# Voilà 0.5's "lab" template links Font Awesome 5 from a CDN (templates/lab/index.html.j2) on
# top of the copy bundled in its own JavaScript: offline the two stylesheets fail to load and
# the page looks and works the same.
VOILA_CDN_FONTAWESOME = ("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",)


def launch_chromium(playwright, home: Path):
    """Headless Debian Chromium, with its HOME (caches, dconf) under ``home``."""
    env = dict(os.environ)
    for name, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
    ):
        path = home / sub
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        env=env,
    )


def artifacts_dir(prefix: str) -> Path:
    """The screenshot directory, emptied of an earlier run's ``prefix-*.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{prefix}-*.png"):
        old.unlink()
    return ARTIFACTS
