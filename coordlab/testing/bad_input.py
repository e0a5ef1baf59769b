"""Bad input that reaches the backend: broken tool payloads and tickets that cannot be served.

``check_bad_input`` drives a backend's own ``run_trial`` through cases no layer setting can
refuse up front:

* the order service answers with garbage (not an object) or a payload that violates the order
  schema (:data:`PAYLOADS`);
* a ticket row that validates (as a ``--tickets-file`` row would) but names an order the store
  does not hold (:func:`unservable`).

Whatever the layers, the trial must end graded or with one clear
:class:`~coordlab.errors.CoordlabError` (not a fault: a ``TransientError`` or ``Rejected``
belongs inside the trial): no other exception escapes ``run_trial``, no side effect is
duplicated, none is lost (a trial that did not crash delivered exactly one), and no refund is
paid on an order the pipeline could not read. With the state or the protocol layer on, the bad
value is refused and the ticket goes to a human (``escalated``).

Example:
    >>> from coordlab.datasets import load_tickets
    >>> ticket = unservable(load_tickets()[1])
    >>> ticket.truth.order_id, ticket.truth.order_id in ticket.email
    ('ORD-99999', True)

"""

from __future__ import annotations

from collections.abc import Callable

from coordlab.backends.base import Backend, backend_class, backend_name
from coordlab.config import Layers
from coordlab.datasets import load_tickets
from coordlab.errors import CoordlabError, Rejected, TransientError
from coordlab.experiment.runner import Session, trial_row
from coordlab.llm.profiles import get_profile
from coordlab.types import Ticket

SETTINGS = ("none", "state", "protocol", "all")
"""Layer settings bad input is driven through (all off, each refusing layer alone, all on)."""

MISSING_ORDER = "ORD-99999"
"""An order id the bundled store does not hold."""

PAYLOADS: dict[str, object] = {
    "garbage": "<html><body>502 Bad Gateway</body></html>",
    "schema-violating": {
        "order_id": None,
        "total": "lots",
        "status": "teleported",
        "order_date": "soon",
    },
    "empty": {},
}
"""What a broken order service answers to ``get_order`` instead of the order."""


def unservable(ticket: Ticket, order_id: str = MISSING_ORDER) -> Ticket:
    """``ticket`` about an order that is not in the store (still a valid ticket row)."""
    old = ticket.truth.order_id
    data = ticket.model_dump(mode="json")
    data["email"] = ticket.email.replace(old, order_id) if old else ticket.email
    data["truth"]["order_id"] = order_id
    return Ticket.model_validate(data)


def bad_tickets() -> list[Ticket]:
    """A refund, a decline and a reply ticket, each about an order."""
    chosen: dict[str, Ticket] = {}
    for ticket in load_tickets():
        if ticket.truth.order_id and ticket.truth.action in ("refund", "decline", "reply"):
            chosen.setdefault(ticket.truth.action, ticket)
    return list(chosen.values())


def drive(
    backend: str | type[Backend],
    spec: str,
    tickets: list[Ticket],
    fetch: Callable[[str, str], object] | None = None,
) -> list[tuple[Ticket, dict | None, list[dict], Exception | None]]:
    """Run ``tickets`` through the backend itself: ``(ticket, row, ledger, error)`` each.

    ``fetch`` replaces the order service's answer to a lookup. ``error`` is what escaped
    ``run_trial`` (then ``row`` is ``None``).
    """
    layers = Layers.parse(spec)
    session = Session(layers)
    if fetch is not None:
        session.service.fetch = fetch
    results = []
    try:
        desk = session.desk_for(get_profile("perfect"), 0, tickets)
        engine = backend_class(backend)(desk)
        for ticket in tickets:
            row, error = None, None
            try:
                trial = engine.run_trial(ticket, 0)
                row = trial_row(session, backend_name(backend), layers, "perfect", trial, 0.0)
            except Exception as err:  # noqa: BLE001 - judged by the check
                error = err
            results.append((ticket, row, session.service.ledger(f"0/{ticket.id}"), error))
    finally:
        session.close()
    return results


def judge(case: str, spec: str, ticket: Ticket, row, ledger, error) -> None:
    """Assert the contract for one bad-input trial (see the module docstring)."""
    where = f"{case} [{spec}] {ticket.id}"
    if error is not None:
        fault = isinstance(error, TransientError | Rejected)
        assert isinstance(error, CoordlabError) and not fault, (
            f"{where}: {type(error).__name__} escaped run_trial: {error}"
        )
        assert len(ledger) <= 1, f"{where}: {len(ledger)} side effects before the error"
        return
    assert len(ledger) <= 1, f"{where}: duplicated side effect: {ledger}"
    assert ledger or row["crash"], f"{where}: the trial ended without a crash or a side effect"
    refunds = [e for e in ledger if e["kind"] == "refund"]
    assert not refunds, f"{where}: refunded an order it could not read: {refunds}"
    layers = Layers.parse(spec)
    if layers.state != "off" or layers.protocol != "off":
        assert row["outcome"] == "escalated", f"{where}: not refused: {row['outcome']} {ledger}"


def cases() -> dict[str, tuple[list[Ticket], Callable | None]]:
    """``{case: (tickets, fetch)}``: each broken payload, and tickets about a missing order."""

    def answer(payload):
        return lambda order_id, request_id: payload

    tickets = bad_tickets()
    out: dict[str, tuple[list[Ticket], Callable | None]] = {
        f"payload {name}": (tickets, answer(payload)) for name, payload in PAYLOADS.items()
    }
    out["order not in the store"] = ([unservable(t) for t in tickets], None)
    return out


def check_served_bad_input(backend: str | type[Backend]) -> None:
    """Every case of :func:`cases` under every setting of :data:`SETTINGS` meets the contract."""
    for case, (tickets, fetch) in cases().items():
        for spec in SETTINGS:
            for ticket, row, ledger, error in drive(backend, spec, tickets, fetch):
                judge(case, spec, ticket, row, ledger, error)
