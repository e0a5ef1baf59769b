"""Policy retrieval over a real chromadb collection.

:class:`PolicyIndex` holds the policy passages in chromadb (ephemeral by default, persistent
with ``path=``) embedded by :class:`~coordlab.retrieval.embedding.HashingEmbedding`.
:func:`query_for` turns an intake into a search query: the email plus the vocabulary of the
rules that can apply to that kind of request (query expansion, as retrieval pipelines do).
"""

from __future__ import annotations

from collections.abc import Iterable

import chromadb
from chromadb.config import Settings

from coordlab.domain.policy import Passage
from coordlab.retrieval.embedding import HashingEmbedding
from coordlab.types import Intake, Policy

COLLECTION = "coordlab-policies"
TOP_K = 5

_EXPANSION = {
    "refund": "refund windows by region days; approval threshold above human approval; "
    "refund limit amount paid order total; digital goods downloads defective; "
    "damaged items broken cracked",
    "status": "order status inquiries where is my order tracking current status",
    "complaint": "complaints disappointing frustrating experience apology service",
    "legal": "legal threats lawyer legal action chargeback disputes escalated",
    "other": "",
}
_NO_ORDER = "request without an order number cannot be processed automatically escalated"


def query_for(intake: Intake, email: str) -> str:
    """The retrieval query for an intake and its email."""
    body = email.split("\n\n", 1)[-1]
    topic = "legal" if intake.reason == "legal" else intake.intent
    extra = _EXPANSION.get(topic, "")
    if intake.order_id is None:
        extra += " " + _NO_ORDER
    return f"{extra} {intake.reason} {body}".strip()


class PolicyIndex:
    """Policy passages in a chromadb collection.

    Args:
        policies: the documents to index.
        path: a folder for a persistent collection; ``None`` for an in-memory one.
        k: how many passages a search returns.

    """

    def __init__(self, policies: Iterable[Policy], path: str | None = None, k: int = TOP_K):
        settings = Settings(anonymized_telemetry=False)
        self.client = (
            chromadb.PersistentClient(path=path, settings=settings)
            if path
            else chromadb.EphemeralClient(settings=settings)
        )
        self.collection = self.client.get_or_create_collection(
            COLLECTION, embedding_function=HashingEmbedding(), metadata={"hnsw:space": "cosine"}
        )
        self.k = k
        policies = list(policies)
        self.collection.upsert(
            ids=[p.id for p in policies],
            documents=[f"{p.title}. {p.text}" for p in policies],
            metadatas=[{"title": p.title, "topic": p.topic} for p in policies],
        )
        self._text = {p.id: p for p in policies}
        self._size = self.collection.count()

    def __repr__(self) -> str:
        return f"PolicyIndex(chromadb, {self.collection.count()} passages, k={self.k})"

    def search(self, query: str, skip: int = 0) -> list[Passage]:
        """The ``k`` passages nearest to ``query``, best first, after the ``skip`` nearest.

        Every passage is ranked (HNSW with ``n_results`` = the collection size is exact), and
        ties are broken by id: approximate search or tie order would otherwise differ between
        processes and break reproducibility.
        """
        found = self.collection.query(
            query_texts=[query], n_results=self._size, include=["distances"]
        )
        ranked = sorted(
            zip(found["distances"][0], found["ids"][0], strict=True),
            key=lambda pair: (round(pair[0], 6), pair[1]),
        )
        chosen = [pid for _, pid in ranked[skip : skip + self.k]]
        return [Passage(pid, self._text[pid].title, self._text[pid].text) for pid in chosen]
