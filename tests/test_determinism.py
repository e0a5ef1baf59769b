import random

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials
from coordlab.llm.faults import FaultInjector
from coordlab.llm.profiles import get_profile


def _rows(spec, seed, n=60):
    rows = run_trials("plain", Layers.parse(spec), "uniform-97", load_tickets(limit=n), [seed])
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in rows]


def test_same_seed_gives_identical_rows():
    for spec in ("none", "all"):
        assert _rows(spec, 7) == _rows(spec, 7)


def test_another_seed_gives_other_faults():
    assert [r["faults"] for r in _rows("none", 1)] != [r["faults"] for r in _rows("none", 2)]


def test_fault_draws_do_not_depend_on_call_order():
    injector = FaultInjector(get_profile("uniform-97"), seed=3)
    keys = [
        (f"T{i:04d}", step, attempt)
        for i in range(200)
        for step in ("intake", "decide")
        for attempt in (1, 2)
    ]
    kinds = ["wrong_intent", "timeout"]
    first = {k: injector.draw(*k, kinds) for k in keys}
    random.Random(0).shuffle(keys)
    assert {k: injector.draw(*k, kinds) for k in keys} == first


def test_layer_settings_see_the_same_first_faults():
    """Common random numbers: the first attempt of a step draws the same fault whatever the
    layers, so comparisons between settings are paired."""
    plain = _rows("none", 5, 120)
    state = _rows("state", 5, 120)
    first = lambda r: r["faults"].split(";")[0]  # noqa: E731
    assert [first(r) for r in plain if r["faults"].startswith("intake")] == [
        first(r) for r in state if r["faults"].startswith("intake")
    ]


def test_rows_reproduce_across_processes():
    import subprocess
    import sys

    code = (
        "import coordlab, hashlib, json;"
        "s, rows = coordlab.run(layers='all', profile='uniform-97', tickets=160, seeds=0,"
        " return_rows=True);"
        "print(hashlib.sha256(json.dumps([{k: v for k, v in r.items() if k != 'wall_s'}"
        " for r in rows], sort_keys=True).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(3)
    }
    assert len(digests) == 1
