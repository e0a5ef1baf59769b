"""Loading and validating the support-desk dataset.

The files live in ``datasets/support`` of the source tree (and inside the wheel as
``coordlab/_datasets/support``). Every row is validated with pydantic; a bad row raises
:class:`~coordlab.errors.DatasetError` naming the file, the line and the field.

Example:
    >>> from coordlab import load_tickets
    >>> tickets = load_tickets()
    >>> len(tickets) >= 300
    True

"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from coordlab.errors import ConfigError, DatasetError
from coordlab.types import Order, Policy, Ticket

M = TypeVar("M", bound=BaseModel)


def data_dir() -> Path:
    """Return the dataset folder: ``$COORDLAB_DATA``, the wheel's copy, or the source tree's."""
    if env := os.environ.get("COORDLAB_DATA"):
        return Path(env)
    packaged = Path(__file__).parent / "_datasets" / "support"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "datasets" / "support"


def read_jsonl(path: str | Path, model: type[M]) -> list[M]:
    """Read a JSONL file into validated models.

    Raises:
        DatasetError: naming ``path:line`` and the offending field for the first bad row.

    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    rows: list[M] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                rows.append(_parse_row(path, lineno, line, model))
    return rows


def _parse_row(path: Path, lineno: int, line: str, model: type[M]) -> M:
    try:
        return model.model_validate(json.loads(line))
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(row)"
        raise DatasetError(f"{path}:{lineno}: field '{field}': {first['msg']}") from None


def load_tickets(path: str | Path | None = None, limit: int | None = None) -> list[Ticket]:
    """Load support tickets (validated), optionally from another JSONL file.

    Args:
        path: a JSONL file in the dataset's ticket format; default the bundled tickets.
        limit: keep only the first ``limit`` tickets.

    """
    tickets = _cached_tickets(str(path or data_dir() / "tickets.jsonl"))
    return list(tickets[:limit] if limit else tickets)


@cache
def _cached_tickets(path: str) -> tuple[Ticket, ...]:
    tickets = read_jsonl(path, Ticket)
    seen: set[str] = set()
    for ticket in tickets:
        if ticket.id in seen:
            raise DatasetError(f"{path}: duplicate ticket id {ticket.id}")
        seen.add(ticket.id)
    return tuple(tickets)


@cache
def load_orders(path: str | None = None) -> tuple[Order, ...]:
    """Load the orders the tickets refer to."""
    return tuple(read_jsonl(path or data_dir() / "orders.jsonl", Order))


@cache
def load_policies(path: str | None = None) -> tuple[Policy, ...]:
    """Load the policy documents."""
    return tuple(read_jsonl(path or data_dir() / "policies.jsonl", Policy))


def select_tickets(
    tickets: int | Sequence[Ticket] | None = None, tickets_file: str | Path | None = None
) -> list[Ticket]:
    """The tickets to run: the first ``tickets`` bundled ones, or those in ``tickets_file``."""
    if tickets is not None and not isinstance(tickets, int):
        return list(tickets)
    if tickets is not None and tickets < 1:
        raise ConfigError("--tickets must be at least 1")
    return load_tickets(tickets_file, limit=tickets)


def hard_share(tickets: Sequence[Ticket]) -> float:
    """The share of ``hard`` tickets in a population (clipped to [0.01, 0.9])."""
    hard = sum("hard" in t.tags for t in tickets)
    return min(0.9, max(0.01, hard / max(1, len(tickets))))
