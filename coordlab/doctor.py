"""``coordlab doctor``: versions, extras, offline settings, a model endpoint, where files go.

The report reads what is installed from coordlab's package metadata and never imports an agent
framework (importing CrewAI is slow and has side effects), so a backend listed as usable has its
packages installed at the versions coordlab asks for; ``coordlab.backends.available()`` is the
check that imports them. With ``--base-url`` it asks that endpoint for its models, as a run's
preflight does: ``coordlab doctor --base-url http://localhost:11434/v1``.

Nothing secret is printed: of an API key it says whether its variable is set, of the
``OTEL_EXPORTER_OTLP_*`` variables (which can hold headers with tokens) only their names, and an
endpoint's refusal is coordlab's own one line, never the server's text.

Example:
    >>> report, ok = diagnose()
    >>> report.splitlines()[0], ok
    ('coordlab doctor', True)
    >>> "Backends" in report and "Where files go" in report
    True

"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from coordlab.backends.base import REGISTRY
from coordlab.config import OFFLINE_ENV, SET_BY_COORDLAB
from coordlab.errors import CoordlabError
from coordlab.experiment.cache import _version

PREFLIGHT_TIMEOUT_S = 5.0
"""Seconds the endpoint check waits for an answer."""

FLAGS = {"", "0", "1", "true", "false", "yes", "no", "on", "off"}
"""Values of an offline switch that are shown; anything else is reported only as set."""

MISSING = "missing"

WIDTH = 98
"""Characters per report line, after its two-space indent."""

NBSP = "\N{NO-BREAK SPACE}"


@dataclass
class Section:
    """One part of the report: a title, its lines, and whether it found a problem.

    Example:
        >>> print(Section("Versions", [_row("Python", "3.11")]).render())
        Versions
          Python       3.11
    """

    title: str
    lines: list[str] = field(default_factory=list)
    ok: bool = True

    def render(self) -> str:
        """The title and its indented lines."""
        body = [f"  {part}" for line in self.lines for part in line.splitlines()]
        return "\n".join([self.title, *body])


def diagnose(
    base_url: str | None = None, api_key_env: str | None = None, cache: str | None = None
) -> tuple[str, bool]:
    """Check this installation; return the plain-text report and whether all asked for is fine.

    Missing optional extras are reported, not failures. Failures: a core dependency missing or
    at a version coordlab does not accept, an endpoint (``base_url``) that does not answer or
    refuses the key, a ``cache`` path that cannot hold a cache.

    Args:
        base_url: an OpenAI-compatible ``/v1`` URL to ask for its models.
        api_key_env: the variable holding its key (default ``OPENAI_API_KEY``).
        cache: a results cache directory to describe.

    Example:
        >>> report, ok = diagnose(cache=sys.executable)  # a file: no place for a cache
        >>> "a file, not a directory" in " ".join(report.split()), ok
        (True, False)
        >>> report.splitlines()[-1]
        'Problems: where files go.'

    """
    sections = [_versions(), _extras(), _backends(), _offline()]
    if base_url is not None:
        sections.append(_endpoint(base_url, api_key_env))
    sections.append(_files(cache))
    ok = all(s.ok for s in sections)
    failing = ", ".join(s.title.split(" (")[0].lower() for s in sections if not s.ok)
    verdict = "Everything asked for is fine." if ok else f"Problems: {failing}."
    return "\n\n".join(["coordlab doctor", *(s.render() for s in sections), verdict]), ok


def _row(name: str, text: str, width: int = 12) -> str:
    """``name`` in a column, then ``text`` wrapped beside it (never at a no-break space)."""
    wrapped = textwrap.wrap(text, WIDTH - width - 1, break_on_hyphens=False) or [""]
    lines = [f"{name if i == 0 else '':<{width}} {part}" for i, part in enumerate(wrapped)]
    return "\n".join(lines).replace(NBSP, " ")


# -- 1. versions ------------------------------------------------------------------------------


def _versions() -> Section:
    from coordlab._version import __version__

    here = Path(__file__).resolve().parent
    lines = [_row("coordlab", f"{__version__} ({here})")]
    installed = _version("coordlab")
    if installed != __version__:
        lines.append(_row("", f"installed metadata says {installed}: reinstall coordlab"))
    impl = platform.python_implementation()
    lines.append(_row("Python", f"{platform.python_version()} ({impl}, {sys.executable})"))
    lines.append(_row("platform", platform.platform()))
    return Section("Versions", lines)


# -- 2. extras and backends -------------------------------------------------------------------


def requirements(extra: str | None = None) -> list:
    """The requirements coordlab's installed metadata lists for ``extra`` (``None``: core).

    Args:
        extra: an optional extra's name, as in ``pip install "coordlab[extra]"``.

    Example:
        >>> sorted(r.name for r in requirements("langgraph"))
        ['langchain-core', 'langchain-openai', 'langgraph']

    """
    from packaging.requirements import Requirement

    wanted = [Requirement(r) for r in importlib.metadata.requires("coordlab") or []]
    core = [r for r in wanted if _applies(r, "")]
    if extra is None:
        return core
    return [r for r in wanted if r not in core and _applies(r, extra)]


def _applies(requirement, extra: str) -> bool:
    return requirement.marker is None or requirement.marker.evaluate({"extra": extra})


def extras() -> list[str]:
    """The optional extras coordlab's installed metadata declares (``all`` last).

    Example:
        >>> "langgraph" in extras() and extras()[-1] == "all"
        True

    """
    names = importlib.metadata.metadata("coordlab").get_all("Provides-Extra") or []
    return sorted(set(names), key=lambda name: (name == "all", name))


def _problems(reqs: list) -> list[str]:
    """What is wrong with ``reqs`` as installed: ``name missing`` or ``name X (wants Y)``."""
    found = []
    for req in reqs:
        version = _version(req.name)
        if version == MISSING:
            found.append(f"{req.name} missing")
        elif not req.specifier.contains(version, prereleases=True):
            found.append(f"{req.name} {version} (wants {req.specifier})")
    return found


def _installed(reqs: list, most: int = 8) -> str:
    if len(reqs) > most:
        return f"{len(reqs)} distributions"
    named = sorted(reqs, key=lambda r: r.name)
    return ", ".join(f"{r.name}{NBSP}{_version(r.name)}" for r in named)


def _extras() -> Section:
    core = requirements()
    wrong = _problems(core)
    state = "; ".join(wrong) + ": reinstall coordlab" if wrong else f"installed: {_installed(core)}"
    lines = [_row("core", state)]
    for extra in extras():
        reqs = requirements(extra)
        problems = _problems(reqs)
        if problems:
            text = f'missing: {"; ".join(problems)}; pip install "coordlab[{extra}]"'
        else:
            text = f"installed: {_installed(reqs)}"
        lines.append(_row(extra, text))
    openai = _version("openai")
    hint = ": pip install openai" if openai == MISSING else ""
    lines.append(_row("openai", f"{openai}{hint} (the connector for --llm and --base-url)"))
    title = "Dependencies and extras (installed metadata; nothing imported)"
    return Section(title, lines, ok=not wrong)


def _backends() -> Section:
    lines = []
    for name, (_, extra) in REGISTRY.items():
        problems = _problems(requirements(extra)) if extra else []
        if problems:
            text = f'not usable: {"; ".join(problems)}; pip install "coordlab[{extra}]"'
        else:
            text = f"usable (extra [{extra}])" if extra else "usable"
        lines.append(_row(name, text))
    lines.append("(packages checked, not imported: coordlab.backends.available() imports them)")
    return Section("Backends", lines)


# -- 3. offline settings ----------------------------------------------------------------------


def _offline() -> Section:
    names = dict.fromkeys([*OFFLINE_ENV, "HF_HUB_OFFLINE"])
    width = max(map(len, names)) + 1
    lines = [_row(name, _offline_state(name), width) for name in names]
    otlp = sorted(k for k in os.environ if k.startswith("OTEL_EXPORTER_OTLP_"))
    exporter = f"{', '.join(otlp)} set (values not shown)" if otlp else "no OTEL_EXPORTER_OTLP_*"
    lines.append(_row("OTLP export", f"{exporter}; used only by --trace otlp", width))
    return Section("Offline settings (coordlab sets these on import where unset)", lines)


def _offline_state(name: str) -> str:
    value = os.environ.get(name)
    wanted = OFFLINE_ENV.get(name)
    if value is None:
        return f"not set (coordlab would set {wanted})" if wanted else "not set"
    shown = value if value.lower() in FLAGS else "(set)"
    if name in SET_BY_COORDLAB and value == wanted:
        return f"{shown:<6} set by coordlab"
    if wanted is None or value.lower() == wanted.lower():
        return f"{shown:<6} yours"
    return f"{shown:<6} yours, kept (coordlab would set {wanted})"


# -- 4. model endpoint ------------------------------------------------------------------------


def _endpoint(base_url: str, api_key_env: str | None) -> Section:
    from coordlab.llm.endpoint import ModelConfig

    section = Section(f"Model endpoint {base_url}")
    try:
        config = ModelConfig.parse("openai:doctor", base_url=base_url, api_key_env=api_key_env)
    except CoordlabError as err:
        return _fail(section, str(err))
    endpoint = config.primary
    key_set = bool(os.environ.get(endpoint.key_env))
    needs = "required" if endpoint.key_required else "a local server may need none"
    key = "set" if key_set else f"not set ({needs})"
    section.lines.append(_row("key", f"${endpoint.key_env} {key}"))
    if endpoint.key_required and not key_set:
        return _fail(section, f"set ${endpoint.key_env}, or name another with --api-key-env")
    try:
        answer = _list_models(endpoint)
    except CoordlabError as err:
        return _fail(section, str(err))
    section.lines.append(_row("answers", answer))
    return section


def _fail(section: Section, message: str) -> Section:
    section.lines.append(_row("FAILED", message))
    section.ok = False
    return section


def _list_models(endpoint) -> str:
    """``serves: a, b`` from the endpoint, or raise coordlab's one-line error."""
    from coordlab.errors import EndpointError

    try:
        import openai

        from coordlab.llm.http_errors import endpoint_error, openai_error
        from coordlab.llm.openai_compat import openai_client
    except ImportError:
        raise EndpointError("the openai package is missing: pip install openai") from None
    client = openai_client(endpoint, timeout_s=PREFLIGHT_TIMEOUT_S)
    try:
        names = [model.id for model in client.models.list()]
    except openai.NotFoundError:
        return "yes, but lists no models (404 on /models)"
    except Exception as err:  # a connector's error: only coordlab's own words are shown
        found = openai_error(err)
        if found is None:
            raise EndpointError(f"{endpoint.base_url} failed: {type(err).__name__}") from None
        raise endpoint_error(found, endpoint.base_url, endpoint.key_env) from None
    finally:
        client.close()
    return "serves: " + (", ".join(names[:12]) + (" ..." if len(names) > 12 else "") or "nothing")


# -- 5. where files go ------------------------------------------------------------------------


def _files(cache: str | None) -> Section:
    from coordlab.backends._crewai_env import sandbox_dir

    tmp = tempfile.gettempdir()
    section = Section("Where files go")
    width = 14
    if cache is None:
        section.lines.append(_row("results cache", "none (--cache DIR reuses trials)", width))
    else:
        text, section.ok = describe_cache(cache)
        section.lines.append(_row("results cache", text, width))
    sandbox = sandbox_dir()
    storage = os.environ.get("CREWAI_STORAGE_DIR") or sandbox / "storage"
    ray = Path(os.environ.get("RAY_TMPDIR") or os.environ.get("TMPDIR") or "/tmp", "ray")
    home = os.environ.get("HOME", "~")
    rows = {
        "sweep output": "--out DIR is required (no default); report: ./report.html",
        "CrewAI home": f"{sandbox} (HOME while CrewAI runs; storage {storage})",
        "chromadb": "in memory: the policy index is ephemeral, nothing on disk",
        "Ray": f"{ray} (session logs; --executor ray only)",
        "temp dir": tmp,
        "$HOME": f"{home}: untouched (CrewAI gets its sandbox, Ray a token in the environment)",
    }
    section.lines += [_row(name, text, width) for name, text in rows.items()]
    return section


def describe_cache(path: str | Path) -> tuple[str, bool]:
    """A one-line account of a results cache directory, and whether it can serve as one.

    Reads only Parquet footers, so it stays cheap on a large cache.

    Args:
        path: the directory given as ``--cache``.

    Example:
        >>> import tempfile
        >>> describe_cache(tempfile.mkdtemp())[1]
        True

    """
    from coordlab.experiment.store import MANIFEST

    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        return f"{path}: a file, not a directory", False
    if not path.exists():
        parent = next(p for p in path.parents if p.exists())
        if not os.access(parent, os.W_OK):
            return f"{path}: cannot be created ({parent} not writable)", False
        return f"{path}: not there yet (created on the first run)", True
    stores = [d for d in sorted(path.iterdir()) if (d / MANIFEST).is_file()]
    parts, rows = _count_rows(stores)
    writable = "" if os.access(path, os.W_OK) else ", NOT writable"
    ok = rows is not None and not writable
    counted = f"rows {rows}" if rows is not None else "a part could not be read"
    return f"{path}: stores {len(stores)}, parts {parts}, {counted}{writable}", ok


def _count_rows(stores: list[Path]) -> tuple[int, int | None]:
    import pyarrow.parquet as pq

    from coordlab.experiment.store import ResultStore

    parts = [part for store in stores for part in ResultStore(store).parts()]
    try:
        return len(parts), sum(pq.read_metadata(part).num_rows for part in parts)
    except Exception:  # a damaged part: say so rather than fail the whole report
        return len(parts), None
