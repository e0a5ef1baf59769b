"""Re-execute notebooks in place, keeping their widget state: ``python notebooks/execute.py [NB ...]``.

Run it after editing a notebook (default: every ``notebooks/[0-9]*.ipynb``) so the committed
outputs are those ``pytest --nbval notebooks/`` reproduces. The widget state is saved in the
notebook, so a panel shows its last view when the notebook is opened before it is run; the
kernelspec is ipykernel's own, so JupyterLab does not mark a freshly opened notebook modified.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def execute(path: Path) -> float:
    """Execute ``path`` in its own folder and write it back; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    nbformat.write(notebook, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    here = Path(__file__).parent
    for name in sys.argv[1:] or sorted(str(p) for p in here.glob("[0-9]*.ipynb")):
        print(f"{name}: {execute(Path(name)):.1f} s")
