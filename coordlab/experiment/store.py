"""An append-only results store: a directory of Parquet parts, one per finished unit of work.

Each part is written to a hidden temporary file, flushed to disk and then renamed into place, so
a sweep killed at any moment (even ``kill -9``) leaves only whole parts behind: it loses at most
the units in flight and never corrupts what is stored. Trials are keyed by
``(backend, layers, profile, seed, ticket_id)``; a resumed sweep skips the keys already stored,
and reading drops any duplicate key, so a row is neither lost nor counted twice. Nothing is
held in memory while a sweep runs: parts go to disk as units finish.

``pandas.read_parquet(directory)`` reads a store too (the manifest, ``_sweep.json``, starts
with an underscore so that readers of a Parquet dataset skip it, and every part is written with
one schema); :meth:`ResultStore.read` also drops duplicates and sorts by the key.

Example:
    >>> import tempfile
    >>> store = ResultStore.create(tempfile.mkdtemp() + "/sweep", {"backends": ["plain"]})
    >>> store.append([{"backend": "plain", "layers": "none", "profile": "perfect",
    ...                "seed": 0, "ticket_id": "T0001", "outcome": "success"}])
    >>> sorted(store.done())
    [('plain', 'none', 'perfect', 0, 'T0001')]
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coordlab.errors import ConfigError
from coordlab.experiment.grid import KEY
from coordlab.experiment.schema import rows_table

MANIFEST = "_sweep.json"
"""The last sweep's spec; Parquet dataset readers skip names that start with ``_``."""


class ResultStore:
    """A directory of Parquet parts plus a ``_sweep.json`` manifest (the last sweep's spec)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def create(cls, path: str | Path, manifest: dict, resume: bool = False) -> ResultStore:
        """Open ``path`` for a sweep: new, or (with ``resume``) one that holds results already.

        Raises:
            ConfigError: ``path`` holds results and ``resume`` is false (nothing is touched),
                ``path`` is a file, or a resumed sweep's rows came from another model.
        """
        store = cls(path)
        if store.path.exists() and not store.path.is_dir():
            raise ConfigError(f"--out {path} is a file; give a directory for the parts")
        if store.parts() and not resume:
            raise ConfigError(
                f"--out {path} already holds results: pass --resume to continue that sweep, "
                "or choose another --out"
            )
        before = store.manifest()
        if store.parts() and before.get("llm") != manifest.get("llm"):
            raise ConfigError(
                f"--out {path} holds rows from {before.get('llm') or 'the simulator'}, not "
                f"{manifest.get('llm') or 'the simulator'}: choose another --out"
            )
        store.path.mkdir(parents=True, exist_ok=True)
        for leftover in store.path.glob(".*.tmp"):
            leftover.unlink()  # a part that was being written when the process died
        store._write_atomic(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        return store

    def manifest(self) -> dict:
        """The last sweep's spec (``{}`` when there is none)."""
        path = self.path / MANIFEST
        return json.loads(path.read_text()) if path.is_file() else {}

    def parts(self) -> list[Path]:
        """The finished parts, oldest first."""
        return sorted(self.path.glob("part-*.parquet")) if self.path.is_dir() else []

    def done(self) -> set[tuple]:
        """The keys of every stored trial."""
        keys: set[tuple] = set()
        for part in self.parts():
            table = pq.read_table(part, columns=list(KEY)).to_pydict()
            keys.update(zip(*(table[k] for k in KEY), strict=True))
        return keys

    def append(self, rows: list[dict]) -> None:
        """Write ``rows`` as one new part (atomically)."""
        if not rows:
            return
        name = f"part-{len(self.parts()):06d}-{uuid.uuid4().hex[:8]}.parquet"
        sink = pa.BufferOutputStream()
        pq.write_table(rows_table(rows), sink)
        self._write_atomic(name, sink.getvalue().to_pybytes())

    def compact(self) -> None:
        """Rewrite every part as one (sorted, duplicates dropped); the old parts go afterwards.

        A finished sweep that will be read many times (the notebooks' results files) reads
        faster and weighs less as one file. A crash between the write and the removals leaves
        rows twice, which :meth:`read` drops.
        """
        old = self.parts()
        if len(old) <= 1:
            return
        frame = self.read()
        self.append(frame.astype(object).where(frame.notna(), None).to_dict("records"))
        for part in old:
            part.unlink()

    def read(self, keep: str = "first") -> pd.DataFrame:
        """Every stored trial, one row each, sorted by the key.

        Args:
            keep: which row of a key stored twice to return: ``"first"`` (a sweep's rows are
                the same either way) or ``"last"`` (the newest, for a cache whose rows may be
                superseded).
        """
        frames = [pd.read_parquet(part) for part in self.parts()]
        if not frames:
            return pd.DataFrame(columns=list(KEY))
        frame = pd.concat(frames, ignore_index=True).drop_duplicates(list(KEY), keep=keep)
        return frame.sort_values(list(KEY), kind="stable").reset_index(drop=True)

    def _write_atomic(self, name: str, data: bytes) -> None:
        tmp = self.path / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path / name)


def read_results(path: str | Path) -> pd.DataFrame:
    """Every trial of the results store at ``path``, one row each, sorted by the key.

    Raises:
        ConfigError: ``path`` holds no results.
    """
    store = ResultStore(path)
    if not store.parts():
        raise ConfigError(f"no results at {path}")
    return store.read()
