"""OpenTelemetry spans for every trial, step execution and model or tool call; off by default.

A trial is one span (``trial T0042``) with one child per step execution (``step decide``,
attempt by attempt) and, under it, one per call (``chat primary``, ``tool get_order``).
Attributes say what coordlab knows: backend, layers, profile, seed, ticket, step, attempt,
fault, whether the step was right, what caught it, tokens (as the OpenTelemetry GenAI
conventions name them), the model's label (its name and base URL), and the trial's outcome.
No attribute is ever read from the environment or a connector, so a key cannot reach a span.

Spans go to one of three places, through coordlab's own ``TracerProvider`` (the global one,
which a framework may have set up, is left alone):

* ``"memory"``: kept in :attr:`Tracing.spans` (tests, notebooks);
* a file path: one JSON object per span per line (``coordlab run --trace FILE``);
* ``"otlp"``: an OTLP/HTTP exporter configured by the standard ``OTEL_EXPORTER_OTLP_*``
  variables (endpoint, headers), for Jaeger, Tempo, Honeycomb, ...

coordlab sets ``OTEL_SDK_DISABLED=true`` itself (see :data:`coordlab.config.OFFLINE_ENV`) so
that no framework's own instrumentation exports anything; its own provider, asked for
explicitly, is built regardless. If *you* set ``OTEL_SDK_DISABLED=true``, asking for tracing is
an error rather than a silent no-op.

Example:
    >>> import coordlab
    >>> with enabled("memory") as tracing:
    ...     _ = coordlab.run(backend="plain", layers="none", profile="perfect", tickets=1)
    >>> trial = tracing.spans[-1]
    >>> trial.name, trial.attributes["coordlab.outcome"]
    ('trial T0001', 'success')
    >>> steps = [s for s in tracing.spans if s.parent and s.parent.span_id == trial.context.span_id]
    >>> [s.name for s in steps][:3]
    ['step intake', 'step retrieve', 'step lookup']

"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from coordlab.errors import ConfigError

_ACTIVE: Tracing | None = None


class Tracing:
    """An enabled tracer and where its spans go.

    Args:
        to: ``"memory"``, ``"otlp"`` or a file path for JSON lines.

    """

    def __init__(self, to: str | Path):
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider

        from coordlab._version import __version__

        service = {"service.name": "coordlab", "service.version": __version__}
        resource = Resource.create(service)
        with _sdk_enabled():
            self.provider = TracerProvider(resource=resource)
        self.memory = None
        self._file = None
        self.provider.add_span_processor(self._processor(str(to)))
        self.tracer = self.provider.get_tracer("coordlab")
        self._trials: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def _processor(self, to: str):
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            ConsoleSpanExporter,
            SimpleSpanProcessor,
        )

        if to == "memory":
            from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
                InMemorySpanExporter,
            )

            self.memory = InMemorySpanExporter()
            return SimpleSpanProcessor(self.memory)
        if to == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            return BatchSpanProcessor(OTLPSpanExporter())
        self._file = _LazyFile(Path(to))
        exporter = ConsoleSpanExporter(
            out=self._file, formatter=lambda span: span.to_json(indent=None) + "\n"
        )
        return SimpleSpanProcessor(exporter)

    @property
    def spans(self) -> list:
        """The finished spans kept in memory (``to="memory"`` only), oldest first."""
        return list(self.memory.get_finished_spans()) if self.memory else []

    def shutdown(self) -> None:
        """Flush and close the exporter."""
        self.provider.shutdown()
        if self._file:
            self._file.close()

    def start_trial(self, key: str, **attrs) -> None:
        """Open trial ``key``'s span (the parent of its step spans)."""
        span = self.tracer.start_span(f"trial {attrs.get('ticket', key)}", attributes=_clean(attrs))
        with self._lock:
            self._trials[key] = (span, None)

    def end_trial(self, key: str, **attrs) -> None:
        """Close trial ``key``'s span with its outcome."""
        with self._lock:
            span, step = self._trials.pop(key, (None, None))
        if span is None:
            return
        if step is not None:
            step.end()
        span.set_attributes(_clean(attrs))
        span.end()

    def step_started(self, key: str, step: str, attempt: int) -> None:
        """Open the span of one execution of ``step`` (closed by :meth:`step_ended`)."""
        from opentelemetry import trace

        with self._lock:
            trial, open_step = self._trials.get(key, (None, None))
            if trial is None:
                return
            if open_step is not None:  # an execution that raised before it was recorded
                open_step.end()
            context = trace.set_span_in_context(trial)
            span = self.tracer.start_span(
                f"step {step}", context=context, attributes={"coordlab.step": step,
                                                             "coordlab.attempt": attempt}
            )  # fmt: skip
            self._trials[key] = (trial, span)

    def step_ended(self, key: str, **attrs) -> None:
        """Close the open step span of trial ``key`` with what the step's record says."""
        with self._lock:
            trial, span = self._trials.get(key, (None, None))
            if span is None:
                return
            self._trials[key] = (trial, None)
        span.set_attributes(_clean(attrs))
        span.end()

    @contextmanager
    def call(self, key: str, name: str, **attrs) -> Iterator[dict]:
        """A span for one model or tool call inside the open step; yields a dict of results.

        Whatever the caller puts in the yielded dict (tokens, fault) becomes attributes.
        """
        from opentelemetry import trace

        with self._lock:
            trial, step = self._trials.get(key, (None, None))
        parent = step or trial
        if parent is None:
            yield {}
            return
        context = trace.set_span_in_context(parent)
        results: dict = {}
        with self.tracer.start_as_current_span(
            name, context=context, attributes=_clean(attrs), record_exception=False
        ) as span:
            try:
                yield results
            except Exception as err:
                span.set_attribute("error.type", type(err).__name__)
                raise
            finally:
                span.set_attributes(_clean(results))


class _LazyFile:
    """A JSON-lines file opened at the first span, so a run that fails first leaves none.

    Raises:
        ConfigError: (at construction) the file's folder does not exist or is not writable.
    """

    def __init__(self, path: Path):
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ConfigError(f"cannot write the trace to {path}: no writable folder {folder}")
        self.path = path
        self._out = None

    def write(self, text: str) -> None:
        """Append ``text`` (opening the file the first time)."""
        if self._out is None:
            self._out = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - see close
        self._out.write(text)

    def flush(self) -> None:
        """Flush what was written."""
        if self._out is not None:
            self._out.flush()

    def close(self) -> None:
        """Close the file if it was opened."""
        if self._out is not None:
            self._out.close()


@contextmanager
def _sdk_enabled() -> Iterator[None]:
    """Build a provider past coordlab's own ``OTEL_SDK_DISABLED`` (it is read at construction)."""
    value = os.environ.pop("OTEL_SDK_DISABLED", None)
    try:
        yield
    finally:
        if value is not None:
            os.environ["OTEL_SDK_DISABLED"] = value


def _clean(attrs: dict) -> dict:
    """Attributes OpenTelemetry accepts (no ``None``), under coordlab's namespace."""
    out = {}
    for name, value in attrs.items():
        if value is None:
            continue
        key = name if "." in name else f"coordlab.{name}"
        out[key] = value if isinstance(value, bool | int | float | str) else str(value)
    return out


def active() -> Tracing | None:
    """The enabled tracing, or ``None`` (the default: nothing is traced)."""
    return _ACTIVE


def enable(to: str | Path) -> Tracing:
    """Start tracing every trial run in this process (see the module docstring for ``to``)."""
    global _ACTIVE
    from coordlab.config import SET_BY_COORDLAB

    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    if disabled and "OTEL_SDK_DISABLED" not in SET_BY_COORDLAB:
        raise ConfigError("tracing asked for, but OTEL_SDK_DISABLED=true is set")
    disable()
    _ACTIVE = Tracing(to)
    return _ACTIVE


def disable() -> None:
    """Stop tracing (flushing what was recorded)."""
    global _ACTIVE
    if _ACTIVE is not None:
        _ACTIVE.shutdown()
        _ACTIVE = None


@contextmanager
def enabled(to: str | Path) -> Iterator[Tracing]:
    """Trace inside a ``with`` block."""
    tracing = enable(to)
    try:
        yield tracing
    finally:
        disable()


def call(key: str, name: str, **attrs):
    """:meth:`Tracing.call` when tracing is on; otherwise a no-op yielding a throwaway dict."""
    return _ACTIVE.call(key, name, **attrs) if _ACTIVE else nullcontext({})
