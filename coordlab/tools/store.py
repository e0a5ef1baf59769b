"""The order store and the append-only ledger of side effects (SQLite), with injected faults.

:class:`OrderService` is the "upstream system" behind the tools. It fails the way real services
do, keyed like every other fault by the request id ``seed/ticket/step/attempt``: lookups time out,
are rate-limited (429), find the caller's access token expired (401: it stays expired for the
rest of the trial until the caller refreshes it) or answer in a drifted schema; deliveries time
out before or *after* their side effect.
It also enforces authorisation itself: a refund above the approval threshold without an
approval token, or above the amount paid, is refused whatever the caller decided.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from coordlab.errors import Rejected, TransientError
from coordlab.llm.faults import FaultInjector
from coordlab.llm.pricing import RATE_LIMIT_S, TIMEOUT_S
from coordlab.types import Order

APPROVAL_THRESHOLD = 200.0
LOOKUP_FAULTS = ("timeout", "rate_limit", "expired_credentials", "schema_drift")
"""The faults an order lookup can meet (the lookup step draws the same kinds to record them)."""
AUTH_S = 0.02
"""Virtual seconds of a refused (401) call, and of a token refresh."""
_STATUS_CODES = {"processing": 1, "shipped": 2, "delivered": 3}


@dataclass(frozen=True)
class RequestId:
    """``seed/ticket/step/attempt``: who is asking, for fault keys and the ledger."""

    seed: int
    ticket: str
    step: str
    attempt: int

    @classmethod
    def parse(cls, text: str) -> RequestId:
        """Parse ``"3/T0001/lookup/1"``."""
        seed, ticket, step, attempt = text.split("/")
        return cls(int(seed), ticket, step, int(attempt))

    def __str__(self) -> str:
        return f"{self.seed}/{self.ticket}/{self.step}/{self.attempt}"

    @property
    def trial(self) -> str:
        """The trial this request belongs to (``seed/ticket``)."""
        return f"{self.seed}/{self.ticket}"


class OrderService:
    """Orders and the side-effect ledger in one SQLite database."""

    def __init__(self, orders: Iterable[Order], injector: FaultInjector | None = None):
        self.injector = injector
        self._expired: set[str] = set()
        self._approvals: dict[str, tuple[str, str, float]] = {}
        self._refreshed: set[str] = set()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.executescript(
            "CREATE TABLE orders (id TEXT PRIMARY KEY, json TEXT NOT NULL);"
            "CREATE TABLE ledger (seq INTEGER PRIMARY KEY AUTOINCREMENT, trial TEXT NOT NULL,"
            " kind TEXT NOT NULL, order_id TEXT, amount REAL, text TEXT,"
            " idempotency_key TEXT UNIQUE);"
        )
        self._db.executemany(
            "INSERT INTO orders VALUES (?, ?)", [(o.id, o.model_dump_json()) for o in orders]
        )

    def _fault(self, rid: RequestId, kinds: list[str]) -> str | None:
        return (
            self.injector.draw(rid.ticket, rid.step, rid.attempt, kinds) if self.injector else None
        )

    def fetch(self, order_id: str, request_id: str) -> dict | None:
        """The order as the upstream API returns it (``None`` if unknown)."""
        rid = RequestId.parse(request_id)
        fault = self._fault(rid, list(LOOKUP_FAULTS))
        if fault == "expired_credentials" and rid.trial not in self._refreshed:
            self._expired.add(rid.trial)
        if rid.trial in self._expired:
            raise TransientError(
                "expired_credentials", "lookup", "order service answered 401: token expired", AUTH_S
            )
        if fault == "timeout":
            raise TransientError("timeout", "lookup", "order service timed out", TIMEOUT_S)
        if fault == "rate_limit":
            raise TransientError("rate_limit", "lookup", "order service answered 429", RATE_LIMIT_S)
        with self._lock:
            row = self._db.execute("SELECT json FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            return None
        order = Order.model_validate_json(row[0])
        return _drifted(order) if fault == "schema_drift" else _payload(order)

    def refresh_credentials(self, request_id: str) -> None:
        """Issue the trial of ``request_id`` a new access token (what an auth client does on 401).

        The new token does not expire again during the trial.
        """
        trial = RequestId.parse(request_id).trial
        with self._lock:
            self._expired.discard(trial)
            self._refreshed.add(trial)

    def record(
        self,
        kind: str,
        request_id: str,
        order_id: str | None,
        amount: float,
        text: str,
        idempotency_key: str | None = None,
        approval_token: str | None = None,
    ) -> dict:
        """Perform one side effect (``refund``, ``reply``, ``decline`` or ``escalate``)."""
        rid = RequestId.parse(request_id)
        if kind == "refund":
            self._authorize(order_id, amount, approval_token)
        fault = self._fault(rid, ["timeout_before_effect", "timeout_after_effect"])
        if fault == "timeout_before_effect":
            raise TransientError(fault, "deliver", "ledger timed out", TIMEOUT_S)
        entry = self._append(rid.trial, kind, order_id, amount, text, idempotency_key)
        if fault == "timeout_after_effect":
            raise TransientError(fault, "deliver", "ledger timed out after writing", TIMEOUT_S)
        return entry

    def issue_approval(self, trial: str, order_id: str, amount: float) -> str:
        """A token that lets ``trial`` refund ``amount`` on ``order_id`` above the threshold.

        Example:
            >>> OrderService([]).issue_approval("0/T0001", "ORD-10001", 240.0)
            'APR-0-T0001-ORD-10001-24000'
        """
        token = f"APR-{trial.replace('/', '-')}-{order_id}-{round(amount * 100)}"
        with self._lock:
            self._approvals[token] = (trial, order_id, round(amount, 2))
        return token

    def _authorize(self, order_id: str | None, amount: float, approval_token: str | None) -> None:
        if amount > APPROVAL_THRESHOLD and not approval_token:
            raise Rejected("decide", "tool", f"refund ${amount:.2f} needs an approval token")
        if amount > APPROVAL_THRESHOLD and self._approvals.get(approval_token, ())[1:] != (
            order_id,
            round(amount, 2),
        ):
            raise Rejected("decide", "tool", f"approval token not valid for ${amount:.2f}")
        payload = self.fetch_quiet(order_id)
        if payload is None or amount <= 0 or amount > payload["total"] + 1e-9:
            raise Rejected("decide", "tool", f"refund ${amount:.2f} not allowed on {order_id}")

    def fetch_quiet(self, order_id: str | None) -> dict | None:
        """The order, without fault injection (the service's own internal read)."""
        with self._lock:
            row = self._db.execute("SELECT json FROM orders WHERE id = ?", (order_id,)).fetchone()
        return _payload(Order.model_validate_json(row[0])) if row else None

    def _append(self, trial, kind, order_id, amount, text, key) -> dict:
        with self._lock:
            if key is not None:
                row = self._db.execute(
                    "SELECT seq FROM ledger WHERE idempotency_key = ?", (key,)
                ).fetchone()
                if row:
                    return {"seq": row[0], "kind": kind, "replayed": True}
            cur = self._db.execute(
                "INSERT INTO ledger (trial, kind, order_id, amount, text, idempotency_key)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (trial, kind, order_id, amount, text, key),
            )
            return {"seq": cur.lastrowid, "kind": kind, "replayed": False}

    def ledger(self, trial: str) -> list[dict]:
        """Every side effect recorded for one trial, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, order_id, amount, text FROM ledger WHERE trial = ? ORDER BY seq",
                (trial,),
            ).fetchall()
        return [dict(zip(("kind", "order_id", "amount", "text"), r, strict=True)) for r in rows]


def _payload(order: Order) -> dict:
    return {
        "order_id": order.id,
        "total": order.total,
        "order_date": order.order_date.isoformat(),
        "region": order.region,
        "status": order.status,
        "category": order.category,
    }


def _drifted(order: Order) -> dict:
    """The same order in the upstream's new (v2) schema: cents, epoch seconds, status codes."""
    epoch = dt.datetime.combine(order.order_date, dt.time(), dt.UTC).timestamp()
    return {
        "orderId": order.id,
        "amount_cents": round(order.total * 100),
        "placed_at": int(epoch),
        "state": _STATUS_CODES[order.status],
        "market": order.region,
        "kind": order.category,
    }
