"""The support desk as a Microsoft Agent Framework (MAF 1.x) workflow of step executors.

* orchestration: a ``Workflow`` from ``WorkflowBuilder``: one :class:`StepExecutor` per step
  (``verify`` only with the verification layer) plus ``escalate``. An executor runs one attempt
  of its step and sends the ticket's work on; its switch-case edge group routes the work on the
  route it names: itself (a **retry edge**), the step a rejection blames, ``escalate``, or by
  default the next step. A finished trial is the workflow's output (``yield_output``);
  ``max_iterations`` above the layers' bound on loops is a safety net (a crash);
* hand-offs travel in the messages (:mod:`~coordlab.backends._maf_work`): each executor takes
  its inputs (``steps.INPUTS``) from the work it receives and sends it on with its own result
  and route: state on, a typed ``TypedWork`` message (pydantic, validated); off, a ``dict`` of
  the text each consumer re-parses. The recorder (:class:`~coordlab.pipeline.context.Trial`)
  sits beside the workflow and carries no result;
* LLM steps: MAF ``Agent`` objects over a ``BaseChatClient`` (:mod:`~coordlab.backends._maf_model`)
  or MAF's ``OpenAIChatCompletionClient`` for a real endpoint; their instructions (the step's
  persona) are what MAF costs in tokens;
* a person: the approve step asks for approval with ``ctx.request_info`` and its executor's
  ``@response_handler`` goes on with the answer (:mod:`~coordlab.backends._maf_executors`); the
  workflow is idle with a pending request meanwhile, and :meth:`MAFBackend._run_answering` has
  the approver answer it with ``workflow.run(responses=...)``;
* resume: with a ``checkpoint_storage`` (MAF's in-memory or file storage),
  ``run_trial(..., stop_after="decide")`` checkpoints every superstep (the recorder's counters
  in the workflow state) and stops after the one in which decide finished;
  :meth:`MAFBackend.resume_trial` (any instance or process) restores the trial's latest
  checkpoint and runs on: no step re-runs, no side effect repeats, the counters go on.

The workflow is built once per backend instance (again after a stop) and runs on a private
event loop; MAF's telemetry is off unless asked for (:mod:`~coordlab.backends._maf_env`).
"""

from __future__ import annotations

from dataclasses import replace

from coordlab.backends._asking import AnswerBook
from coordlab.backends._autogen_loop import event_loop
from coordlab.backends._maf_env import prepare_environment, retry_edges_expected
from coordlab.backends.base import Backend, Wiring
from coordlab.errors import ConfigError
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Desk, Trial
from coordlab.types import Ticket

prepare_environment()

from agent_framework import Case, CheckpointStorage, Default, Workflow, WorkflowBuilder  # noqa: E402

from coordlab.backends._maf_executors import (  # noqa: E402
    TRIAL_KEY,
    StepExecutor,
    TextStepExecutor,
    TypedStepExecutor,
)
from coordlab.backends._maf_model import AgentLLM  # noqa: E402
from coordlab.backends._maf_work import TypedWork, route_of, routes_from  # noqa: E402

WORKFLOW_NAME = "coordlab-support-desk"  # + the layer setting: one name per workflow shape


def build_workflow(backend: MAFBackend) -> Workflow:
    """The workflow: the executors and a switch-case edge group per executor on its route."""
    kind: type[StepExecutor] = (
        TypedStepExecutor if backend.desk.pipeline.codec.typed else TextStepExecutor
    )
    executors = {step: kind(step, backend) for step in backend.nodes}
    builder = WorkflowBuilder(
        max_iterations=turn_limit(backend.desk),
        name=workflow_name(backend.desk),
        start_executor=executors[backend.nodes[0]],
    )
    for node, source in executors.items():
        if node == control.ESCALATE:
            continue
        *cases, last = routes_from(backend.nodes, node)
        branches = [Case(condition=_routes_to(t), target=executors[t]) for t in cases]
        builder.add_switch_case_edge_group(source, [*branches, Default(target=executors[last])])
    with retry_edges_expected():
        return builder.build()


def workflow_name(desk: Desk) -> str:
    """The workflow's name: its checkpoints are found by it, so it names the layer setting."""
    return f"{WORKFLOW_NAME} {desk.layers.label}"


def _routes_to(target: str):
    return lambda work: route_of(work) == target


def turn_limit(desk: Desk) -> int:
    """More supersteps than the recovery layer can ever use (retries and revisions included)."""
    budget, n_steps = desk.pipeline, len(steps.flow(desk))
    return (budget.max_revisions + 1) * n_steps * budget.max_attempts + budget.max_attempts


class MAFBackend(Backend):
    """A MAF ``Workflow`` of step executors, built once and run trial after trial.

    Args:
        desk: the run's components; its LLM (or endpoint) answers through MAF agents.
        checkpoint_storage: a MAF checkpoint storage (needed to stop and resume a trial).
    """

    name = "maf"
    wiring = Wiring(
        "Workflow: an executor per step, a switch-case edge group on its route",
        ("build_workflow", "StepExecutor._run", "StepExecutor._attempt"),
        r"WorkflowBuilder\(|add_switch_case_edge_group\(|Case\(|Default\(|send_message\(|"
        r"yield_output\(",
    )

    def __init__(self, desk: Desk, checkpoint_storage: CheckpointStorage | None = None):
        self.models = AgentLLM(desk.llm, desk.endpoint, desk.seed)
        self.answers = AnswerBook()  # the person's answers, for the approve step that asked
        super().__init__(replace(desk, llm=self.models, ask_person=self.answers.ask))
        self.storage, self.trial = checkpoint_storage, None
        self.stop_after, self.stopping = None, False
        self.nodes = (*steps.flow(self.desk), control.ESCALATE)
        self._loop = event_loop()
        self.models.loop = self._loop.loop
        self.workflow = build_workflow(self)

    def run_trial(self, ticket: Ticket, seed: int, stop_after: str | None = None) -> Trial:
        """Run one ticket (``stop_after``: checkpoint each superstep, stop after that step)."""
        if stop_after and self.storage is None:
            raise ConfigError("stopping a trial to resume it needs a checkpoint storage")
        if stop_after and stop_after not in self.nodes[:-1]:
            raise ConfigError(f"cannot stop after {stop_after!r}: the steps are {self.nodes[:-1]}")
        self.trial = Trial(ticket=ticket, seed=seed)
        work = {"route": self.nodes[0], "email": ticket.email}
        if self.desk.pipeline.codec.typed:
            work = TypedWork(**work)
        storage = self.storage if stop_after else None  # (checkpoints only for a stop)
        return self._loop.run(self._run(stop_after, message=work, checkpoint_storage=storage))

    def resume_trial(self, ticket: Ticket, seed: int) -> Trial:
        """Continue a stopped trial from its checkpoint; the new recorder holds what ran now."""
        self.trial = Trial(ticket=ticket, seed=seed)
        return self._loop.run(self._resume())

    async def _resume(self) -> Trial:
        if self.storage is None:
            raise ConfigError("resuming a trial needs a checkpoint storage")
        saved = await self.storage.list_checkpoints(workflow_name=self.workflow.name)
        key = self.trial.key  # (a run's first checkpoint holds the state before its first step)
        mine = [c for c in saved if c.iteration_count and c.state[TRIAL_KEY]["key"] == key]
        if not mine:
            raise ConfigError(f"no checkpoint of trial {key} to resume")
        latest = max(mine, key=lambda c: c.timestamp)
        if not any(latest.messages.values()):  # the trial had ended: nothing to run
            return self.trial
        self.trial.resume_counters(latest.state[TRIAL_KEY])  # go on counting where it stopped
        storage = self.storage
        return await self._run(None, checkpoint_id=latest.checkpoint_id, checkpoint_storage=storage)

    async def _run(self, stop_after: str | None, **start) -> Trial:
        self.stop_after, self.stopping, finished = stop_after, False, False
        try:
            if stop_after:
                finished = await self._run_to_stop(**start)
            else:
                finished = bool((await self._run_answering(**start)).get_outputs())
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            self.trial.crash(err)
            self.stopping = True  # (its work may be in flight too)
        if self.stopping:  # work is still in flight: MAF runs the next trial on a new workflow
            self.workflow = build_workflow(self)
        if not finished and not self.stopping and not self.trial.crashed:
            self.trial.crashed = "the workflow stopped before the trial finished"
        return self.trial

    async def _run_answering(self, **start):
        """Run the workflow; while it waits for a person, the approver answers and it goes on."""
        result = await self.workflow.run(**start)
        while asked := result.get_request_info_events():
            answers = {event.request_id: self.desk.approver.review(event.data) for event in asked}
            result = await self.workflow.run(responses=answers)
        return result

    async def _run_to_stop(self, **start) -> bool:
        """Stream the run; leave it after the superstep in which ``stop_after`` finished.

        A person asked on the way is answered, and the run goes on with the answers.
        """
        finished, asked, storage = False, {}, start.get("checkpoint_storage")
        while not self.stopping:
            async with self.workflow.run(stream=True, **start) as events:
                saved = self.workflow.get_last_checkpoint_id()
                async for event in events:
                    finished |= event.type == "output"
                    if event.type == "request_info":
                        asked[event.request_id] = event.data
                    if event.type == "superstep_completed" and self.stopping:
                        self._check_saved(saved)
                        break  # its checkpoint is saved: resume goes on from there
                    if event.type == "superstep_completed":
                        saved = self.workflow.get_last_checkpoint_id()
            if not asked:
                break
            answers = {key: self.desk.approver.review(data) for key, data in asked.items()}
            start, asked = {"responses": answers, "checkpoint_storage": storage}, {}
        return finished

    def _check_saved(self, before: str | None) -> None:
        """Raise unless the stopping superstep saved a checkpoint (MAF only logs a failed save)."""
        if self.workflow.get_last_checkpoint_id() == before:
            raise RuntimeError(f"the checkpoint after {self.stop_after} was not saved")
