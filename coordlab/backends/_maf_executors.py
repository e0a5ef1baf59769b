"""The MAF backend's executors: one per step, and how one asks a person (request and response).

An executor runs one attempt of its step on the work it receives and sends the work on with its
result and route (:mod:`~coordlab.backends._maf_work`). The approve step may need a person: its
executor then pauses on MAF's human-in-the-loop construct, ``ctx.request_info(request,
ApprovalAnswer)``, keeping the work in the workflow state; the workflow goes idle with a pending
request, the caller answers it (``workflow.run(responses=...)``), and the executor's
``@response_handler`` runs the step again, which now finds the answer
(:mod:`~coordlab.backends._asking`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from coordlab.backends._asking import PersonAsked
from coordlab.backends._maf_env import prepare_environment
from coordlab.pipeline import control, steps
from coordlab.pipeline.context import Trial
from coordlab.tools.approvals import ApprovalAnswer, ApprovalRequest

prepare_environment()

from agent_framework import Executor, WorkflowContext, handler, response_handler  # noqa: E402

from coordlab.backends._maf_work import TypedWork, Work, get, routes_from, with_result  # noqa: E402

if TYPE_CHECKING:
    from coordlab.backends.maf import MAFBackend

TRIAL_KEY = "coordlab.trial"  # the workflow state entry: the trial's key and counters
WAITING_KEY = "coordlab.waiting"  # the work of a step that waits for a person's answer


class StepExecutor(Executor):
    """The executor of one ``step``; ``backend`` holds the desk and the trial's recorder."""

    def __init__(self, step: str, backend: MAFBackend):
        super().__init__(id=step)
        self.step, self.backend = step, backend
        ends = [] if step == control.ESCALATE else routes_from(backend.nodes, step)
        self.routes = {*ends, control.DONE}  # where its edges go (and the end of the trial)

    async def _run(self, work: Work, ctx: WorkflowContext) -> None:
        """Run one attempt of the step (in a thread); send the work on, or yield it if done."""
        inputs = {key: get(work, key) for key in steps.INPUTS[self.step]}
        try:
            route, out = await asyncio.to_thread(self._attempt, inputs)
        except PersonAsked as asked:  # pause: the workflow waits for the person's answer
            ctx.set_state(WAITING_KEY, work)
            await ctx.request_info(asked.request, ApprovalAnswer)
            return
        if route not in self.routes:  # the Default edge would take it on without a word
            self.backend.trial.crash(ValueError(f"{self.step} chose no route it has: {route!r}"))
            route = control.DONE
        ctx.set_state(TRIAL_KEY, counted(self.backend.trial))
        work = with_result(work, route, out)
        if route == control.DONE:
            await ctx.yield_output(work)
            return
        if self.step == self.backend.stop_after and route != self.step:
            self.backend.stopping = True
        await ctx.send_message(work)

    def _attempt(self, inputs: dict) -> tuple[str, dict]:
        trial = self.backend.trial
        try:
            run = control.run_step if self.step == control.ESCALATE else control.attempt
            return run(self.backend.desk, trial, self.step, inputs)
        except PersonAsked:
            raise
        except Exception as err:  # noqa: BLE001 - an unhandled error crashes the trial
            trial.crash(err)
            return control.DONE, {}

    async def _answered(self, request: ApprovalRequest, answer: ApprovalAnswer, ctx) -> None:
        """A person answered: run the waiting step again; it finds the answer this time."""
        self.backend.answers.give(request, answer)
        await self._run(ctx.get_state(WAITING_KEY), ctx)


class TypedStepExecutor(StepExecutor):
    """A step executor that takes and sends :class:`TypedWork` (state on)."""

    @handler
    async def on_work(self, work: TypedWork, ctx: WorkflowContext[TypedWork, TypedWork]) -> None:
        """Run the step on the typed work."""
        await self._run(work, ctx)

    @response_handler
    async def on_answer(
        self,
        request: ApprovalRequest,
        answer: ApprovalAnswer,
        ctx: WorkflowContext[TypedWork, TypedWork],
    ) -> None:
        """Go on with the person's answer to an approval request."""
        await self._answered(request, answer, ctx)


class TextStepExecutor(StepExecutor):
    """A step executor that takes and sends a ``dict`` of text hand-offs (state off)."""

    @handler
    async def on_work(self, work: dict, ctx: WorkflowContext[dict, dict]) -> None:
        """Run the step on the text hand-offs."""
        await self._run(work, ctx)

    @response_handler
    async def on_answer(
        self, request: ApprovalRequest, answer: ApprovalAnswer, ctx: WorkflowContext[dict, dict]
    ) -> None:
        """Go on with the person's answer to an approval request."""
        await self._answered(request, answer, ctx)


def counted(trial: Trial) -> dict:
    """The trial's key and the recorder's counters, kept in the workflow state (checkpointed)."""
    return {"key": trial.key, **trial.counters()}
