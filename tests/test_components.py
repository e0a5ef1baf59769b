import chromadb
from chromadb.config import Settings

from coordlab import load_policies
from coordlab.retrieval.embedding import HashingEmbedding
from coordlab.retrieval.index import COLLECTION, PolicyIndex


def test_persistent_index_reopens_without_passing_the_embedding_function(tmp_path):
    index = PolicyIndex(load_policies(), path=str(tmp_path))
    first = [p.id for p in index.search("refund window days region")]
    client = chromadb.PersistentClient(
        path=str(tmp_path), settings=Settings(anonymized_telemetry=False)
    )
    collection = client.get_collection(COLLECTION)
    assert collection.count() == len(load_policies())
    found = collection.query(query_texts=["refund window days region"], n_results=5)
    assert set(found["ids"][0]) == set(first)


def test_hashing_embedding_is_deterministic_and_normalised():
    ef = HashingEmbedding(dim=256)
    a, b = ef(["Damaged items are refundable"]), ef(["Damaged items are refundable"])
    assert (a[0] == b[0]).all()
    assert abs(float((a[0] ** 2).sum()) - 1.0) < 1e-5
    assert HashingEmbedding.build_from_config(ef.get_config()).dim == 256
