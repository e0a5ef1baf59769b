"""A layer that is not built in, registered by a user, runs and sweeps like the built-ins."""

import pytest
from user_layers import ANGER, AngerToHuman

import coordlab
from coordlab import Layers, load_tickets
from coordlab.errors import ConfigError
from coordlab.experiment.runner import run_trials
from coordlab.layers import Layer, build, register

TICKETS = load_tickets()[:120]
ANGRY = {t.id for t in TICKETS if ANGER.search(t.email)}


def test_the_spec_the_label_and_the_stack_include_it():
    layers = Layers.parse("all,anger")
    assert layers.label == "all,anger" and layers.anger == "on"
    assert Layers.parse(layers.label) == layers
    assert Layers.parse("none").anger == "off"
    assert (
        repr(build(layers))
        == "<AngerToHuman<Recovery<Verification<State<Protocol<SupportDesk>>>>>>"
    )
    assert Layers.parse("state,anger").label == "state,anger"


@pytest.mark.parametrize("spec", ["all", "none"])
def test_angry_tickets_go_to_a_human_and_the_rest_are_untouched(spec):
    assert len(ANGRY) >= 5
    base = {
        r["ticket_id"]: r for r in run_trials("plain", Layers.parse(spec), "perfect", TICKETS, [0])
    }
    with_layer = Layers.parse(spec).with_mode("anger", "on")
    rows = {r["ticket_id"]: r for r in run_trials("plain", with_layer, "perfect", TICKETS, [0])}
    for ticket_id, row in rows.items():
        if ticket_id in ANGRY:
            assert (row["action"], row["escalated_by"]) == ("escalate", "anger"), row
        else:
            assert row == base[ticket_id] | {"layers": row["layers"], "wall_s": row["wall_s"]}


def test_it_is_swept_with_the_builtins_in_worker_processes(tmp_path):
    rows = coordlab.sweep(
        backends=["plain"],
        layers_grid="all;all,anger;none,anger",
        profiles="uniform-97",
        tickets=40,
        executor="process",
        out=tmp_path / "rows",
    )
    assert sorted(set(rows["layers"])) == ["all", "all,anger", "anger"]
    angry = rows[rows["ticket_id"].isin(ANGRY) & (rows["layers"] != "all")]
    assert len(angry) and (angry["escalated_by"] == "anger").all()


def test_the_cache_keeps_user_layers_apart(tmp_path):
    from coordlab.experiment.cache import user_layer_digests

    assert set(user_layer_digests()) >= {"anger"}


def test_a_layer_must_be_a_layer_and_modes_must_start_off():
    with pytest.raises(ConfigError, match="subclass"):
        register("bogus", object)

    class Loud(Layer):
        modes = ("on", "off")

    with pytest.raises(ConfigError, match="modes"):
        register("loud", Loud)
    with pytest.raises(ConfigError, match="built-in"):
        register("state", AngerToHuman)


def test_a_layer_defined_in_main_is_refused_by_worker_processes(monkeypatch):
    from coordlab.experiment.executors import portable_user_layers

    monkeypatch.setattr(AngerToHuman, "__module__", "__main__")
    with pytest.raises(ConfigError, match="executor='serial'"):
        portable_user_layers()


@pytest.mark.parametrize("spec", ["anger", "all,anger"])
def test_every_backend_runs_the_user_layer_as_plain_does(spec):
    """An escalation right after a rejected intake: no later hand-off exists yet."""
    tickets = [t for t in load_tickets() if ANGER.search(t.email)][:4] + TICKETS[:8]
    key = lambda r: (r["ticket_id"], r["outcome"], r["action"], r["amount"], r["escalated_by"])  # noqa: E731
    reference = [
        key(r) for r in run_trials("plain", Layers.parse(spec), "uniform-97", tickets, [0])
    ]
    for backend in coordlab.backends.available():
        rows = run_trials(backend, Layers.parse(spec), "uniform-97", tickets, [0])
        assert [key(r) for r in rows] == reference, backend
