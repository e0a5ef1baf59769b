import json
import subprocess
import sys
from pathlib import Path

import pytest

from coordlab import DatasetError, load_orders, load_policies, load_tickets
from coordlab.datasets import data_dir


def test_dataset_sizes_and_tags():
    tickets = load_tickets()
    assert len(tickets) >= 300
    assert len(load_policies()) >= 20
    tags = {tag for t in tickets for tag in t.tags}
    assert tags == {"hard", "must_escalate", "adversarial"}
    assert {t.truth.action for t in tickets} == {"refund", "reply", "escalate", "decline"}


def test_every_ticket_order_exists():
    orders = {o.id for o in load_orders()}
    for ticket in load_tickets():
        assert ticket.truth.order_id is None or ticket.truth.order_id in orders


def test_generator_reproduces_the_committed_files(tmp_path):
    script = Path(data_dir()) / "generate.py"
    if not script.exists():
        pytest.skip("installed without the generator script")
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for name in ("tickets.jsonl", "orders.jsonl", "policies.jsonl"):
        assert (tmp_path / name).read_bytes() == (Path(data_dir()) / name).read_bytes(), name


def _write_bad_copy(tmp_path, mutate, line_index=2):
    lines = (Path(data_dir()) / "tickets.jsonl").read_text().splitlines()
    row = json.loads(lines[line_index])
    mutate(row)
    lines[line_index] = json.dumps(row)
    path = tmp_path / "tickets.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_row_names_file_line_and_field(tmp_path):
    path = _write_bad_copy(tmp_path, lambda r: r["truth"].update(action="refundd"))
    with pytest.raises(DatasetError, match=r"tickets.jsonl:3: field 'truth.action'"):
        load_tickets(path)


def test_not_json_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "T0001"\n')
    with pytest.raises(DatasetError, match=r"t.jsonl:1: not valid JSON"):
        load_tickets(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="file not found"):
        load_tickets(tmp_path / "nope.jsonl")
