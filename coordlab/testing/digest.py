"""Plain's rows on the conformance grid, held to a committed digest.

``plain`` is the reference every other backend is compared with, so something must hold plain
itself: a sha256 of its rows (every column but ``wall_s``, canonical JSON) per setting of the
conformance grid (:func:`coordlab.testing.grid.settings`), committed in
``coordlab/testing/plain_digest.json`` (package data, so a third party's run sees it too).
A change to plain's rows fails ``plain-check_paired_agreement`` until the digest is
regenerated, which must be justified in the commit that does it::

    python -m coordlab.testing.digest           # compare; exit 1 and name what changed
    python -m coordlab.testing.digest --write   # regenerate the committed file

Example:
    >>> digest_rows([{"a": 1, "wall_s": 0.5}]) == digest_rows([{"a": 1, "wall_s": 9.0}])
    True
    >>> digest_rows([{"a": 1}]) == digest_rows([{"a": 2}])
    False
    >>> sorted(committed()["settings"])[:2]
    ['all,-protocol/outage', 'all,-protocol/uniform-97']
    >>> from coordlab.testing.grid import settings
    >>> len(committed()["settings"]) == len(settings())
    True

"""

from __future__ import annotations

import argparse
import hashlib
import json
from importlib import resources
from pathlib import Path

from coordlab.testing.grid import SEED, grid_rows, stable

FILE = "plain_digest.json"
"""The committed digest, a data file of this package."""

COMMAND = "python -m coordlab.testing.digest --write"
"""The one command that regenerates the committed digest."""


def digest_rows(rows) -> str:
    """sha256 of rows as canonical JSON (sorted keys, no volatile columns)."""
    text = json.dumps([stable(r) for r in rows], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def current(backend="plain") -> dict[str, str]:
    """``{"spec/profile": digest}`` of ``backend``'s rows on the conformance grid, now."""
    return {setting: digest_rows(rows) for setting, rows in grid_rows(backend).items()}


def committed() -> dict:
    """The committed digest file's contents."""
    return json.loads(resources.files("coordlab.testing").joinpath(FILE).read_text())


def changed(backend="plain") -> list[str]:
    """The grid settings where ``backend``'s rows differ from the committed digest."""
    want, have = committed()["settings"], current(backend)
    return sorted(s for s in want.keys() | have.keys() if want.get(s) != have.get(s))


def write(path: Path | None = None) -> Path:
    """Regenerate the committed digest from plain's rows now."""
    path = path or Path(__file__).with_name(FILE)
    data = {
        "about": f"sha256 of plain's rows on the conformance grid; regenerate: {COMMAND}",
        "grid": "coordlab.testing.grid.settings(): spec/profile -> digest",
        "seed": SEED,
        "settings": current("plain"),
    }
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Compare plain's rows with the committed digest, or ``--write`` it."""
    parser = argparse.ArgumentParser(prog="python -m coordlab.testing.digest")
    parser.add_argument("--write", action="store_true", help="regenerate the committed file")
    args = parser.parse_args(argv)
    if args.write:
        print(f"wrote {write()}")
        return 0
    diff = changed()
    print(f"plain's rows differ in: {', '.join(diff)}" if diff else "plain matches its digest")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main())
