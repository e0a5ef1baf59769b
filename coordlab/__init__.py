"""coordlab: measure the coordination gap of multi-step LLM pipelines.

One support-desk pipeline, four toggleable coordination layers (state, protocol, verification,
recovery), a seeded simulated LLM with realistic faults, and the statistics to compare them.
Importing coordlab imports no agent framework.

Example:
    >>> import coordlab
    >>> coordlab.run(backend="plain", layers="all", profile="perfect", tickets=3)["success_rate"]
    1.0

"""

from coordlab.config import Layers, apply_offline_env

apply_offline_env()  # before any framework or chromadb import can phone home

from coordlab import backends  # noqa: E402
from coordlab._version import __version__  # noqa: E402
from coordlab.api import parse_seeds, run  # noqa: E402
from coordlab.datasets import load_orders, load_policies, load_tickets  # noqa: E402
from coordlab.errors import (  # noqa: E402
    ConfigError,
    CoordlabError,
    DatasetError,
    EndpointError,
    MissingExtraError,
    Rejected,
    TransientError,
)
from coordlab.experiment.approvals import approval_completion, awaiting_approval  # noqa: E402
from coordlab.experiment.cache import ResultCache  # noqa: E402
from coordlab.experiment.compare import compare, layer_effects, mean_ratio  # noqa: E402
from coordlab.experiment.compounding import fault_spread, price_options, product_rule  # noqa: E402
from coordlab.experiment.cost import (  # noqa: E402
    break_even_failure_cost,
    cost_table,
    frontier,
    marginal_cost,
    reprice,
)
from coordlab.experiment.prices import Prices, price_table, trial_costs  # noqa: E402
from coordlab.experiment.runner import run_trials, summarize  # noqa: E402
from coordlab.experiment.stats import pass_hat_k, wilson  # noqa: E402
from coordlab.experiment.store import read_results  # noqa: E402
from coordlab.experiment.sweep import summaries, sweep  # noqa: E402
from coordlab.llm.base import LLM, Completion, Message  # noqa: E402
from coordlab.llm.endpoint import Endpoint, ModelConfig  # noqa: E402
from coordlab.llm.faults import FAULT_KINDS  # noqa: E402
from coordlab.llm.pricing import TIERS, ModelTier  # noqa: E402
from coordlab.llm.profiles import PROFILES, FaultProfile, get_profile  # noqa: E402
from coordlab.llm.sim import SimLLM  # noqa: E402
from coordlab.viz.catches import catch_heatmap, catch_matrix, catch_panel  # noqa: E402
from coordlab.viz.compounding import compounding_panel, compounding_plot, options_plot, rule_plot  # noqa: E402
from coordlab.viz.frameworks import (  # noqa: E402
    framework_bars,
    framework_costs,
    framework_panel,
    paired_agreement,
)
from coordlab.viz.frontier import frontier_plot, frontier_table, price_panel, upgrade  # noqa: E402
from coordlab.viz.plots import outcome_bars  # noqa: E402
from coordlab.viz.rate_tables import rate_table  # noqa: E402
from coordlab.viz.received import record_calls  # noqa: E402
from coordlab.viz.tables import outcome_table, trial_steps  # noqa: E402
from coordlab.viz.timeline import trial_timeline  # noqa: E402
from coordlab.viz.total_cost import total_cost_bars  # noqa: E402
from coordlab.viz.verifiers import (  # noqa: E402
    catches_by_fault,
    verification_panel,
    verifier_bars,
    verifier_table,
)
from coordlab.viz.widgets import layer_panel  # noqa: E402
from coordlab.viz.wiring import wiring_grid  # noqa: E402

__all__ = [
    "Layers",
    "run",
    "sweep",
    "summaries",
    "run_trials",
    "summarize",
    "parse_seeds",
    "load_tickets",
    "load_orders",
    "load_policies",
    "pass_hat_k",
    "wilson",
    "compare",
    "layer_effects",
    "ResultCache",
    "read_results",
    "cost_table",
    "frontier",
    "marginal_cost",
    "reprice",
    "Prices",
    "price_table",
    "trial_costs",
    "break_even_failure_cost",
    "approval_completion",
    "awaiting_approval",
    "total_cost_bars",
    "TIERS",
    "ModelTier",
    "layer_panel",
    "SimLLM",
    "ModelConfig",
    "Endpoint",
    "EndpointError",
    "LLM",
    "Message",
    "Completion",
    "FaultProfile",
    "PROFILES",
    "FAULT_KINDS",
    "get_profile",
    "backends",
    "CoordlabError",
    "ConfigError",
    "DatasetError",
    "MissingExtraError",
    "Rejected",
    "TransientError",
    "trial_steps",
    "outcome_table",
    "outcome_bars",
    "product_rule",
    "fault_spread",
    "price_options",
    "compounding_plot",
    "compounding_panel",
    "rule_plot",
    "options_plot",
    "rate_table",
    "frontier_plot",
    "frontier_table",
    "upgrade",
    "price_panel",
    "verifier_table",
    "verifier_bars",
    "catches_by_fault",
    "mean_ratio",
    "verification_panel",
    "trial_timeline",
    "catch_matrix",
    "catch_heatmap",
    "catch_panel",
    "wiring_grid",
    "paired_agreement",
    "framework_costs",
    "framework_bars",
    "framework_panel",
    "record_calls",
    "__version__",
]
