"""The one Arrow schema of a trial row, so every Parquet part is written with the same types.

Without it, a part whose column happens to be all null (no trial of the chunk delivered an
amount, say) is written as Arrow's ``null`` type, and the column read back mixes ``None`` and
``NaN``. With it, every part has the same columns and types, whatever its rows hold.

Example:
    >>> ROW_SCHEMA.field("amount").type
    DataType(double)
    >>> table = rows_table([{"backend": "plain", "seed": 0, "amount": None}])
    >>> table.schema.field("amount").type, table.num_columns == len(ROW_SCHEMA)
    (DataType(double), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from coordlab.domain.steps import STEPS

_S, _I, _F = pa.string(), pa.int64(), pa.float64()
_COLUMNS = [
    ("backend", _S), ("layers", _S), ("profile", _S), ("llm", _S), ("seed", _I), ("ticket_id", _S),
    ("tags", _S), ("outcome", _S), ("action", _S), ("order_id", _S), ("amount", _F),
    ("expected_action", _S), ("expected_amount", _F), ("duplicate_side_effects", _I),
    ("unauthorized_refunds", _I), ("wrong_refunds", _I), ("llm_calls", _I), ("tokens_in", _I),
    ("tokens_out", _I),
    ("tokens_in_fallback", _I), ("tokens_out_fallback", _I), ("cost_usd", _F),
    ("latency_s", _F), ("revisions", _I), ("approvals", _I), ("escalated_by", _S), ("crash", _S),
    ("faults", _S),
    ("mast", _S), ("caught_by", _S), ("wall_s", _F),
]  # fmt: skip
_STEP_COUNTS = [(f"{kind}_{step}", _I) for step in STEPS for kind in ("n", "ok")]

ROW_SCHEMA = pa.schema(_COLUMNS + _STEP_COUNTS)
"""Every column of a trial row (``coordlab.experiment.runner.trial_row``) and its type."""


def rows_table(rows: Sequence[dict]) -> pa.Table:
    """``rows`` as an Arrow table with :data:`ROW_SCHEMA` (missing columns are null).

    Columns outside the schema (a user's own additions) keep the type Arrow infers.
    """
    extra = sorted({key for row in rows for key in row} - set(ROW_SCHEMA.names))
    table = pa.Table.from_pylist(list(rows), schema=ROW_SCHEMA)
    for name in extra:
        table = table.append_column(name, pa.array([row.get(name) for row in rows]))
    return table
