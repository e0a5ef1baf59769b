"""An embedding function that needs no download: hashed bag of words.

chromadb's default embedding function downloads a model on first use, which fails offline. This
one hashes lower-cased word stems (and word pairs) into a fixed-size signed vector, the
"hashing trick". It is registered with chromadb, so a persistent collection reopens with it.

Example:
    >>> ef = HashingEmbedding(dim=64)
    >>> len(ef(["refund window"])[0])
    64

"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.utils.embedding_functions import register_embedding_function

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "the",
        "to",
        "was",
        "with",
        "you",
        "your",
        "this",
        "that",
        "me",
        "we",
        "our",
        "have",
        "has",
        "any",
    ]
)


def stems(text: str) -> list[str]:
    """Lower-cased word stems without stop words (a crude suffix stripper is enough here)."""
    words = re.findall(r"[a-z0-9$]+", text.lower())
    return [re.sub(r"(ies|es|s|ed|ing)$", "", w) or w for w in words if w not in _STOP]


@register_embedding_function
class HashingEmbedding(EmbeddingFunction[Documents]):
    """Feature-hashed unigram + bigram vectors, L2-normalised.

    Args:
        dim: vector size.

    """

    def __init__(self, dim: int = 1024):
        self.dim = dim

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 (chromadb's name)
        """Embed each document."""
        return [self._embed(doc) for doc in input]

    def _embed(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        words = stems(text)
        for feature in words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    @staticmethod
    def name() -> str:
        """The name chromadb stores with a collection."""
        return "coordlab-hashing"

    def get_config(self) -> dict[str, Any]:
        """The configuration chromadb stores with a collection."""
        return {"dim": self.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> HashingEmbedding:
        """Rebuild from :meth:`get_config` output."""
        return HashingEmbedding(**config)

    def default_space(self) -> str:
        """Cosine distance suits normalised bag-of-words vectors."""
        return "cosine"
