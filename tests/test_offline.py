import socket

import pytest

from coordlab import Layers, load_tickets
from coordlab.experiment.runner import run_trials


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args[1:] if len(args) > 1 else args)
        raise OSError("network disabled by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_the_pipeline_makes_no_network_connection(no_network):
    rows = list(run_trials("plain", Layers(), "uniform-97", load_tickets(limit=40), [0]))
    assert no_network == []
    assert sum(r["outcome"] == "success" for r in rows) >= 36
