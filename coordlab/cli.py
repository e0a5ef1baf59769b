"""The ``coordlab`` command line.

``coordlab run --backend plain --layers none --profile uniform-97 --seeds 0-9 --json``
"""

from __future__ import annotations

import argparse
import json
import sys

from coordlab.errors import CoordlabError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coordlab", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run tickets through one configuration")
    run.add_argument("--backend", default="plain")
    run.add_argument("--layers", default="all", help="all | none | state,recovery | all,-x")
    run.add_argument("--profile", default="uniform-97")
    run.add_argument("--tickets", type=int, default=None, help="first N bundled tickets")
    run.add_argument("--tickets-file", default=None, help="JSONL in the dataset's format")
    run.add_argument("--seeds", default="0", help="N, A-B or a comma list")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    return parser


def _print_table(summary: dict) -> None:
    print(
        f"{summary['backend']} | layers {summary['layers']} | profile {summary['profile']}"
        f" | {summary['trials']} trials"
    )
    lo, hi = summary["ci95"]
    print(f"  success        {summary['success_rate']:.3f}  (95% CI {lo:.3f}-{hi:.3f})")
    for key in ("silent_failure_rate", "escalation_rate", "crash_rate"):
        print(f"  {key.replace('_rate', ''):<14} {summary[key]:.3f}")
    steps = "  ".join(f"{s} {a:.3f}" for s, a in summary["per_step_accuracy"].items())
    print(f"  step accuracy  {steps}")
    print(
        f"  predicted e2e  {summary['predicted_e2e']:.3f}   coordination gap "
        f"{summary['coordination_gap']:.3f}"
    )
    print(
        f"  cost           {summary['llm_calls']} calls, {summary['tokens_in']} tokens in, "
        f"{summary['tokens_out']} out, ${summary['cost_usd']:.4f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        from coordlab.api import run

        summary = run(
            backend=args.backend,
            layers=args.layers,
            profile=args.profile,
            tickets=args.tickets,
            tickets_file=args.tickets_file,
            seeds=args.seeds,
            progress=sys.stderr.isatty() if args.progress is None else args.progress,
        )
    except CoordlabError as err:
        print(f"coordlab: error: {err}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary))
    else:
        _print_table(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
