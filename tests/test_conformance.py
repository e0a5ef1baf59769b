import pytest

from coordlab.backends import REGISTRY
from coordlab.errors import DatasetError, Rejected, TransientError
from coordlab.testing import parametrize_with_checks


@parametrize_with_checks(list(REGISTRY))
def test_conformance(backend, check):
    check(backend)


# -- plain's digest: the reference is held, and the check says how to regenerate it -----------


def _tampered(monkeypatch, setting):
    from coordlab.testing import digest

    data = digest.committed()
    data["settings"] = dict(data["settings"], **{setting: "0" * 64})
    monkeypatch.setattr(digest, "committed", lambda: data)


def test_plain_fails_when_its_rows_differ_from_the_digest(monkeypatch):
    from coordlab.testing import digest
    from coordlab.testing.conformance import check_paired_agreement

    _tampered(monkeypatch, "all/outage")
    with pytest.raises(AssertionError) as err:
        check_paired_agreement("plain")
    assert "all/outage" in str(err.value) and digest.COMMAND in str(err.value)
    assert "justify" in str(err.value)
    assert digest.main([]) == 1


def test_the_digest_command_writes_what_the_check_compares(tmp_path, capsys):
    import json

    from coordlab.testing import digest
    from coordlab.testing.grid import settings

    assert digest.main([]) == 0 and "matches" in capsys.readouterr().out
    written = json.loads(digest.write(tmp_path / "d.json").read_text())
    assert written["settings"] == digest.current("plain")
    assert len(written["settings"]) == len(settings())
    assert digest.COMMAND in written["about"]


# -- bad input: what the judge lets through ----------------------------------------------------


def _judge(spec="none", row=None, ledger=(), error=None):
    from coordlab.testing.bad_input import bad_tickets, judge

    row = row or {"crash": "", "outcome": "escalated"}
    judge("case", spec, bad_tickets()[0], row, list(ledger), error)


ESCALATION = {"kind": "escalate", "order_id": None, "amount": 0.0, "text": "..."}
REPLY = dict(ESCALATION, kind="reply")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"error": AttributeError("'str' object has no attribute 'get'")},
        {"error": TransientError("timeout", "lookup")},
        {"error": Rejected("lookup", "protocol", "bad payload")},
        {"ledger": [ESCALATION, ESCALATION]},
        {"ledger": []},
        {"ledger": [dict(ESCALATION, kind="refund", amount=5.0)]},
        {"spec": "state", "row": {"crash": "", "outcome": "silent_failure"}, "ledger": [REPLY]},
    ],
    ids=str.split("raw-error fault-escaped rejection-escaped duplicate lost refund not-refused"),
)
def test_bad_input_judge_fails(kwargs):
    with pytest.raises(AssertionError):
        _judge(**kwargs)


def test_bad_input_judge_passes_graded_trials_and_clear_errors():
    _judge(ledger=[ESCALATION])
    _judge(row={"crash": "AttributeError: ...", "outcome": "crashed"})
    _judge(error=DatasetError("tickets.jsonl:3: truth.order_id: bad"))
