import pytest

pytest.importorskip("langgraph")

from coordlab import Layers, load_tickets  # noqa: E402
from coordlab.backends.langgraph import LangGraphBackend, memory_checkpointer  # noqa: E402
from coordlab.experiment.runner import Session  # noqa: E402
from coordlab.llm.profiles import get_profile  # noqa: E402
from coordlab.types import Decision  # noqa: E402


def _backend(layers, checkpointer=None):
    tickets = load_tickets(limit=12)
    session = Session(layers)
    desk = session.desk_for(get_profile("uniform-97"), 0, tickets)
    return session, LangGraphBackend(desk, checkpointer=checkpointer), tickets


def test_graph_has_one_node_per_step_and_escalation():
    session, backend, _ = _backend(Layers())
    try:
        nodes = set(backend.graph.get_graph().nodes)
        assert {
            "intake",
            "retrieve",
            "lookup",
            "decide",
            "compose",
            "verify",
            "deliver",
            "escalate",
        } <= nodes
        assert repr(backend) == "<Recovery<Verification<State<Protocol<LangGraphBackend>>>>>"
    finally:
        session.close()


def test_checkpointer_keeps_each_trial_as_a_thread():
    session, backend, tickets = _backend(Layers(), memory_checkpointer())
    try:
        trial = backend.run_trial(tickets[0], 0)
        snapshot = backend.graph.get_state({"configurable": {"thread_id": trial.key}})
        assert isinstance(snapshot.values["decision"], Decision)
        assert snapshot.values["route"] == "done"
        assert "trial" not in snapshot.values  # the recorder is context, not state
    finally:
        session.close()


def test_text_state_holds_the_text_hand_offs():
    session, backend, tickets = _backend(Layers.parse("none"), memory_checkpointer())
    try:
        trial = backend.run_trial(tickets[0], 0)
        values = backend.graph.get_state({"configurable": {"thread_id": trial.key}}).values
        assert values["intake"].startswith("Intent: ")  # the model's answer, re-parsed by each node
        assert values["passages"].startswith("[POL-")
    finally:
        session.close()
