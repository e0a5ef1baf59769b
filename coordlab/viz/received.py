"""What each framework's model actually received, and where its extra input tokens come from.

:func:`record_calls` runs a few tickets live through several backends with a
:class:`ModelLog` (the seeded simulator, remembering every call it answered), so the faults,
outcomes and token counts are those of any other run. A :class:`CallRecord` then splits every
call's input tokens by where they come from, pairing it with the reference backend's call for
the same (ticket, step, attempt):

* ``prompt``: the text the reference sends (coordlab's own prompt);
* ``persona``: system messages the framework adds (an agent's role, goal, backstory);
* ``framing``: the framework's words around the prompt in the message that carries it;
* ``team messages``: other messages the model is sent (the task, other agents' hand-offs);
* ``earlier turns``: the agent's own earlier prompts and answers in the trial.

Example:
    >>> record = record_calls(["plain"], ["none"], load_tickets(limit=2), "perfect")
    >>> record.sources().frame[["backend", "prompt", "persona", "extra"]].to_dict("records")
    [{'backend': 'plain', 'prompt': 1000.5, 'persona': 0.0, 'extra': 0.0}]
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from coordlab.config import Layers
from coordlab.datasets import load_tickets
from coordlab.domain.wire import HEADER_RE
from coordlab.experiment.runner import run_trials
from coordlab.llm.base import Completion, Message, count_tokens
from coordlab.llm.reading import read_messages
from coordlab.llm.sim import SimLLM
from coordlab.types import Ticket
from coordlab.viz.figures import new_axes
from coordlab.viz.tables import Table
from coordlab.viz.wiring import Column, Grid
from coordlab.viz.wiring import tag as wiring_tag

SOURCES = ("prompt", "persona", "framing", "team messages", "earlier turns")
"""Where a call's input tokens come from (see the module docstring)."""

COLOURS = dict(zip(SOURCES, ("#ced4da", "#74c0fc", "#ffd43b", "#ff8787", "#da77f2"), strict=True))
TINTS = dict(zip(SOURCES, ("", "#e7f5ff", "#fff3bf", "#ffe3e3", "#f8f0fc"), strict=True))


@dataclass(frozen=True)
class Call:
    """One model call as the model received it."""

    ticket: str
    step: str
    attempt: int
    messages: tuple[Message, ...]
    tokens_in: int


class ModelLog(SimLLM):
    """The seeded simulator, remembering every call it answered in :attr:`calls`."""

    def __init__(self, profile="uniform-97", seed: int = 0):
        super().__init__(profile, seed)
        self.calls: list[Call] = []

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Answer as the simulator does, and remember what was received."""
        done = super().complete(messages, model)
        view = read_messages(messages)
        self.calls.append(Call(view.ticket, view.step, view.attempt, tuple(messages),
                               done.tokens_in))  # fmt: skip
        return done


def split(call: Call, reference: Call) -> dict[str, int]:
    """``call``'s input tokens by source, given the reference's call for the same step."""
    out = dict.fromkeys(SOURCES, 0)
    holders = _holders(call, reference)
    for i, message in enumerate(call.messages):
        tokens = count_tokens(message.content)
        if i in holders:
            inside = sum(count_tokens(text) for text in holders[i])
            out["prompt"] += inside
            out["framing"] += tokens - inside
        else:
            out[_source(message)] += tokens
    return out


def _holders(call: Call, reference: Call) -> dict[int, list[str]]:
    """Message index -> the reference messages it carries (the last holder of each)."""
    holders: dict[int, list[str]] = {}
    for ref in reference.messages:
        found = [i for i, m in enumerate(call.messages) if ref.content in m.content]
        if not found:
            raise ValueError(f"{call.step} attempt {call.attempt}: the prompt was not sent")
        holders.setdefault(found[-1], []).append(ref.content)
    return holders


def _source(message: Message) -> str:
    if message.role == "system":
        return "persona"
    if message.role == "assistant" or HEADER_RE.search(message.content):
        return "earlier turns"
    return "team messages"


def record_calls(backends: Sequence[str], layers: Sequence[str | Layers], tickets: Sequence[Ticket],
                 profile: str = "uniform-97", seed: int = 0, reference: str = "plain"):  # fmt: skip
    """Run ``tickets`` live in each backend and layer setting, remembering every model call.

    The reference backend is run too (it is what every call is compared with). Faults are
    drawn for the whole ticket set, as in a sweep, so the trials equal a sweep's.

    Returns:
        A :class:`CallRecord`.
    """
    calls: dict[tuple[str, str], list[Call]] = {}
    for backend in dict.fromkeys([reference, *backends]):
        for setting in layers:
            setting = Layers.parse(setting)
            log = ModelLog(profile, seed)
            for _ in run_trials(backend, setting, profile, tickets, [seed], llm=log,
                                population=load_tickets()):  # fmt: skip
                pass
            calls[backend, setting.label] = log.calls
    return CallRecord(calls, reference, f"{profile}, seed {seed}", len(tickets))


class CallRecord:
    """The model calls of a few tickets per (backend, layers), and where their tokens come from.

    Args:
        calls: (backend, layers label) -> the calls in order.
        reference: the backend every call is compared with.
        context: the profile and seed, for titles.
        trials: tickets per (backend, layers).
    """

    def __init__(self, calls: dict[tuple[str, str], list[Call]], reference: str, context: str,
                 trials: int):  # fmt: skip
        self.calls, self.reference, self.context, self.trials = calls, reference, context, trials

    def _ref(self, layers: str) -> dict[tuple[str, str, int], Call]:
        return {(c.ticket, c.step, c.attempt): c for c in self.calls[self.reference, layers]}

    def sources(self) -> Table:
        """Input tokens per trial by source, per (layers, backend); ``extra`` over the reference."""
        rows = []
        for (backend, layers), calls in self.calls.items():
            ref = self._ref(layers)
            totals = dict.fromkeys(SOURCES, 0)
            for c in calls:
                for source, n in split(c, ref[c.ticket, c.step, c.attempt]).items():
                    totals[source] += n
            row = {"layers": layers, "backend": backend}
            row |= {s: totals[s] / self.trials for s in SOURCES}
            row["total"] = sum(totals.values()) / self.trials
            reference = sum(c.tokens_in for c in ref.values())
            row["extra"] = row["total"] - reference / self.trials
            rows.append(row)
        rows.sort(key=lambda r: (r["layers"] != "none", r["layers"]))
        caption = f"input tokens per trial · {self.trials} tickets · {self.context}"
        formats = {k: "{:,.1f}".format for k in (*SOURCES, "total", "extra")}
        return Table(pd.DataFrame(rows), caption, formats)

    def tokens_per_trial(self, backend: str, layers: str) -> dict[str, int]:
        """Ticket -> input tokens of its trial (the sum over its calls)."""
        out: dict[str, int] = {}
        for c in self.calls[backend, layers]:
            out[c.ticket] = out.get(c.ticket, 0) + c.tokens_in
        return out

    def received(
        self, step: str = "decide", layers: str = "none", ticket: str | None = None,
        attempt: int | None = None, fold: bool = True,
    ) -> Grid:  # fmt: skip
        """What each backend's model received for one call, side by side.

        The call is ``ticket``'s (default: the first ticket's) ``step`` at ``attempt``
        (default: its first call of that step). The reference's prompt is plain text (with
        ``fold``, only its first and last lines); what a framework added is tinted by its source.
        """
        ref_calls = self.calls[self.reference, layers]
        ticket = ticket or ref_calls[0].ticket
        mine = [c for c in ref_calls if (c.ticket, c.step) == (ticket, step)]
        if not mine:
            raise ValueError(f"no {step} call for ticket {ticket} with layers {layers}")
        attempt = attempt or mine[0].attempt
        key = (ticket, step, attempt)
        ref = self._ref(layers)[key]
        columns = []
        for (backend, label), calls in self.calls.items():
            if label != layers:
                continue
            call = next(c for c in calls if (c.ticket, c.step, c.attempt) == key)
            parts = split(call, ref)
            counts = " · ".join(f"{n:,} {s}" for s, n in parts.items() if n)
            body = _messages_html(call, _holders(call, ref), fold)
            columns.append(Column(backend, f"{call.tokens_in:,} tokens in: {counts}", body))
        caption = (
            f"ticket {key[0]} · step {step} · attempt {attempt} · layers {layers} · "
            f"plain text: {self.reference}'s prompt; tinted: added by the framework —"
        )
        legend = " ".join(f"<span style='background:{TINTS[s]};padding:0 4px'>{s}</span>"
                          for s in SOURCES[1:])  # fmt: skip
        text = f"what the model received: {' | '.join(c.subtitle for c in columns)}"
        return Grid(columns, caption, text, legend)

    def plot(self, ax=None):
        """Input tokens per trial by source: one stacked bar per (layers, backend).

        Returns:
            The Axes.
        """
        table = self.sources().frame
        ax = new_axes(ax, (9, 0.45 * len(table) + 1.6))
        ys = list(range(len(table)))[::-1]
        left = [0.0] * len(table)
        for source in SOURCES:
            ax.barh(ys, table[source], 0.7, left=left, color=COLOURS[source], label=source)
            left = [a + b for a, b in zip(left, table[source], strict=True)]
        for y, (total, extra) in zip(ys, zip(table["total"], table["extra"], strict=True),
                                     strict=True):  # fmt: skip
            share = extra / (total - extra) if total > extra else 0.0
            ax.text(total, y, f"  {total:,.0f} ({share:+.0%})", va="center", fontsize=8)
        labels = [
            f"{b} · layers {la}" for b, la in zip(table["backend"], table["layers"], strict=True)
        ]
        ax.set_yticks(ys, labels, fontsize=9)
        ax.set_xlim(0, max(table["total"]) * 1.2)
        ax.set_xlabel(f"input tokens per trial (in brackets: extra over {self.reference})")
        ax.set_title(f"Where each framework's input tokens come from — {self.trials} tickets, "
                     f"{self.context}", fontsize=10)  # fmt: skip
        ax.legend(fontsize=8, ncol=len(SOURCES), loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  frameon=False)  # fmt: skip
        return ax

    def panel(self, step: str = "decide", layers: str = "none"):
        """A step dropdown, a layers dropdown and a *whole prompt* box above :meth:`received`.

        Returns:
            An ``ipywidgets.VBox`` (``controls``, ``view``, ``redraw()``); its text form is
            ``<ReceivedPanel step=decide | layers=none | whole prompt=False>``.
        """
        from coordlab.viz.frameworks import received_panel

        return received_panel(self, step, layers)


def _messages_html(call: Call, holders: dict[int, list[str]], fold: bool) -> str:
    """The call's messages as one ``<pre>``, each tagged with its role, additions tinted."""
    blocks = []
    for i, message in enumerate(call.messages):
        tag = f"{wiring_tag('name', '[' + html.escape(message.role) + ']')}\n"
        if i in holders:
            blocks.append(tag + _tint_around(message.content, holders[i], fold))
        else:
            blocks.append(tag + _tint(message.content, _source(message)))
    look = "white-space:pre-wrap;overflow-wrap:anywhere;max-height:60em;overflow:auto;"
    look += "font-size:11px;margin:0 8px"
    return f"<pre style='{look}'>" + "\n".join(blocks) + "</pre>"


def _tint(text: str, source: str) -> str:
    if not text:
        return ""
    return f"<span style='background:{TINTS[source]}'>{html.escape(text)}</span>"


def _tint_around(content: str, inside: list[str], fold: bool) -> str:
    """``content`` with the reference texts plain and everything around them tinted framing."""
    spans = sorted((content.rindex(text), len(text)) for text in inside)
    out, at = [], 0
    for start, size in spans:
        out += [_tint(content[at:start], "framing"), _plain(content[start : start + size], fold)]
        at = start + size
    return "".join(out) + _tint(content[at:], "framing")


def _plain(text: str, fold: bool, head: int = 90, tail: int = 60) -> str:
    """The reference's text; with ``fold``, only its start and end (cut at whitespace)."""
    if not fold or len(text) <= head + tail + 40:
        return html.escape(text)
    start = text[:head].rsplit(None, 1)[0]
    end = text[-tail:].split(None, 1)[-1]
    hidden = count_tokens(text[len(start) : len(text) - len(end)])
    middle = wiring_tag("fold", f" ⋯ {hidden} more tokens of the prompt ⋯ ")
    return html.escape(start) + middle + html.escape(end)
