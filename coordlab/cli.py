"""The ``coordlab`` command line.

``coordlab run --backend plain --layers none --profile uniform-97 --seeds 0-9 --json``
``coordlab sweep --backends plain,langgraph --layers-grid all --seeds 0-2 --out results/grid``
``coordlab report results/grid --out report.html``
``coordlab serve-sim --port 8000 --profile uniform-97``, then
``coordlab run --llm openai:primary --fallback-llm openai:fallback --base-url http://127.0.0.1:8000/v1``
``coordlab doctor --base-url http://localhost:11434/v1``
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
    run.add_argument("--cache", default=None, help="results cache directory (reused trials)")
    _model_flags(run)
    _trace_flag(run)
    _progress_flag(run)
    sweep = sub.add_parser("sweep", help="run a grid of configurations into a results store")
    sweep.add_argument("--backends", default="plain", help="comma list of backends")
    sweep.add_argument("--layers-grid", default="all", help="all | SPEC;SPEC;...")
    sweep.add_argument("--profile", "--profiles", dest="profiles", default="uniform-97")
    sweep.add_argument("--tickets", type=int, default=None, help="first N bundled tickets")
    sweep.add_argument("--tickets-file", default=None, help="JSONL in the dataset's format")
    sweep.add_argument("--seeds", default="0", help="N, A-B or a comma list")
    sweep.add_argument("--out", required=True, help="results directory (Parquet parts)")
    sweep.add_argument("--executor", default="process", help="serial | process | ray")
    sweep.add_argument("--workers", type=int, default=None, help="default: CPU count")
    sweep.add_argument("--address", default=None, help="Ray cluster address")
    sweep.add_argument("--resume", action="store_true", help="continue the sweep in --out")
    sweep.add_argument("--chunk", type=int, default=100, help="tickets per unit of work")
    sweep.add_argument("--json", action="store_true", help="one JSON summary per line")
    _model_flags(sweep)
    _trace_flag(sweep)
    _progress_flag(sweep)
    report = sub.add_parser("report", help="write an HTML report of a sweep's results")
    report.add_argument("results", help="a results directory (or .parquet / .csv file)")
    report.add_argument("--out", default="report.html")
    serve = sub.add_parser("serve-sim", help="the simulated LLM as an OpenAI-compatible server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--profile", default="uniform-97")
    serve.add_argument("--seed", type=int, default=0, help="when a request carries no seed")
    serve.add_argument("--stall-s", type=float, default=None, help="a timeout fault's stall")
    serve.add_argument("--rate-limit-share", type=float, default=0.0, help="extra 429s")
    serve.add_argument("--api-key-env", default=None, help="require this variable's key")
    doctor = sub.add_parser("doctor", help="extras, offline settings, endpoint, where files go")
    doctor.add_argument("--base-url", default=None, help="check that this endpoint answers")
    doctor.add_argument("--api-key-env", default=None, help="its key's variable")
    doctor.add_argument("--cache", default=None, help="a results cache directory to describe")
    return parser


def _model_flags(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("real model (default: the seeded simulator)")
    group.add_argument("--llm", default=None, help="openai:MODEL at an OpenAI-compatible URL")
    group.add_argument("--base-url", default=None, help="the endpoint's /v1 URL")
    group.add_argument("--api-key-env", default=None, help="variable holding the key")
    group.add_argument("--fallback-llm", default=None, help="openai:MODEL after an outage")
    group.add_argument("--fallback-base-url", default=None, help="default: --base-url")
    group.add_argument("--timeout", type=float, default=None, help="seconds per model call")


def _trace_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--trace",
        default=None,
        metavar="FILE|otlp",
        help="OpenTelemetry spans per trial, step and call: JSON lines to FILE, or 'otlp'",
    )


def _traced(args):
    """Tracing for the command's duration when ``--trace`` asks for it."""
    from contextlib import nullcontext

    from coordlab.tracing import enabled

    return enabled(args.trace) if args.trace else nullcontext()


def _model_config(args):
    """The run's :class:`ModelConfig` from the flags, or ``None`` for the simulator."""
    from coordlab.errors import ConfigError
    from coordlab.llm.endpoint import DEFAULT_TIMEOUT_S, ModelConfig

    if args.llm is None:
        extra = [f for f in ("base_url", "api_key_env", "fallback_llm") if getattr(args, f)]
        if extra:
            flags = ", ".join("--" + f.replace("_", "-") for f in extra)
            raise ConfigError(f"{flags} need --llm openai:MODEL")
        return None
    return ModelConfig.parse(
        args.llm,
        base_url=args.base_url,
        api_key_env=args.api_key_env,
        fallback=args.fallback_llm,
        fallback_base_url=args.fallback_base_url,
        timeout_s=args.timeout or DEFAULT_TIMEOUT_S,
    )


def _progress_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )


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


def _print_sweep_line(summary: dict) -> None:
    lo, hi = summary["ci95"]
    print(
        f"{summary['backend']:<10} {summary['layers']:<32} {summary['profile']:<14}"
        f" {summary['trials']:>6}  success {summary['success_rate']:.3f} ({lo:.3f}-{hi:.3f})"
        f"  silent {summary['silent_failure_rate']:.3f}  ${summary['cost_usd']:.4f}"
    )


def _run(args) -> int:
    with _traced(args):
        summary = _run_summary(args)
    if args.json:
        print(json.dumps(summary))
    else:
        _print_table(summary)
    return 0


def _run_summary(args) -> dict:
    from coordlab.api import run

    return run(
        backend=args.backend,
        layers=args.layers,
        profile=args.profile,
        tickets=args.tickets,
        tickets_file=args.tickets_file,
        seeds=args.seeds,
        progress=_show_progress(args),
        cache=args.cache,
        llm=_model_config(args),
    )


def _sweep(args) -> int:
    from coordlab.errors import ConfigError
    from coordlab.experiment.sweep import summaries, sweep

    if args.trace and args.executor != "serial":
        raise ConfigError("--trace records this process's trials: use it with --executor serial")
    with _traced(args):
        frame = sweep(
            backends=args.backends,
            layers_grid=args.layers_grid,
            profiles=args.profiles,
            seeds=args.seeds,
            tickets=args.tickets,
            tickets_file=args.tickets_file,
            out=args.out,
            executor=args.executor,
            workers=args.workers,
            address=args.address,
            resume=args.resume,
            chunk=args.chunk,
            progress=_show_progress(args),
            llm=_model_config(args),
        )
    for summary in summaries(frame):
        if args.json:
            print(json.dumps(summary))
        else:
            _print_sweep_line(summary)
    return 0


def _show_progress(args) -> bool:
    return sys.stderr.isatty() if args.progress is None else args.progress


def _report(args) -> int:
    from coordlab.viz.report import write_report

    print(write_report(args.results, args.out))
    return 0


def _serve_sim(args) -> int:
    from coordlab.llm.server import STALL_S, SimServer, check_address, serve

    server = SimServer(
        args.profile,
        args.seed,
        host=args.host,
        port=args.port,
        stall_s=STALL_S if args.stall_s is None else args.stall_s,
        rate_limit_share=args.rate_limit_share,
        api_key_env=args.api_key_env,
    )
    check_address(server.host, server.port)
    print(f"serving the simulated LLM ({server.profile.name}) at {server.url}", flush=True)
    serve(server)
    return 0


def _doctor(args) -> int:
    from coordlab.doctor import diagnose

    report, ok = diagnose(base_url=args.base_url, api_key_env=args.api_key_env, cache=args.cache)
    print(report)
    return 0 if ok else 2


COMMANDS = {
    "run": _run,
    "sweep": _sweep,
    "report": _report,
    "serve-sim": _serve_sim,
    "doctor": _doctor,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CoordlabError as err:
        print(f"coordlab: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
