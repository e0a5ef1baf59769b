import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import cached_rows

import coordlab
from coordlab.experiment.schema import ROW_SCHEMA
from coordlab.experiment.store import ResultStore


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "sweep"
    frame = coordlab.sweep("plain", "none;all", "uniform-97", seeds="0-1", tickets=12,
                           out=out, executor="serial", chunk=3)  # fmt: skip
    return out, frame


def test_pandas_reads_a_sweep_directory(sweep_dir):
    out, frame = sweep_dir
    read = pd.read_parquet(out)
    assert len(read) == len(frame) == 48
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("part-")) == [
        "_sweep.json"
    ]


def test_pass_hat_k_takes_the_frame_a_sweep_returns(sweep_dir):
    frame = sweep_dir[1]
    mine = frame[frame["layers"] == "none"]
    assert coordlab.pass_hat_k(mine, 2) == coordlab.pass_hat_k(mine.to_dict("records"), 2)
    assert 0 <= coordlab.pass_hat_k(mine, 2) <= 1


def test_every_part_has_one_schema_even_when_a_column_is_all_null(tmp_path):
    rows = list(cached_rows("none", "uniform-97", 40))
    crashed = [r for r in rows if r["amount"] is None]
    delivered = [r for r in rows if r["amount"] is not None]
    assert crashed and delivered  # a part of only crashed trials has no amount at all
    store = ResultStore.create(tmp_path / "s", {})
    store.append(crashed)
    store.append(delivered)
    schemas = {pq.read_schema(p) for p in store.parts()}
    assert len(schemas) == 1
    back = store.read()
    assert back["amount"].dtype == "float64"
    assert back.loc[back["outcome"] == "crashed", "amount"].isna().all()


def test_the_schema_names_every_column_of_a_trial_row():
    row = cached_rows("none", "uniform-97", 2)[0]
    assert list(row) == ROW_SCHEMA.names


def test_compact_keeps_every_row_in_one_part(tmp_path):
    out = tmp_path / "s"
    frame = coordlab.sweep("plain", "none", "uniform-97", tickets=9, out=out, executor="serial",
                           chunk=2)  # fmt: skip
    store = ResultStore(out)
    assert len(store.parts()) == 5
    store.compact()
    assert len(store.parts()) == 1
    assert store.read().equals(frame)
