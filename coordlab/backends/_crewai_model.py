"""The simulator behind CrewAI's LLM interface, and CrewAI agents behind coordlab's.

:class:`SimCrewLLM` is a ``crewai.llms.base_llm.BaseLLM`` that answers with any coordlab
:class:`~coordlab.llm.base.LLM` and reports its own token usage. :class:`CrewAgentLLM` is
coordlab's ``LLM`` interface served by one CrewAI ``Agent`` per LLM step: each prompt runs as a
``Task`` of that agent, so CrewAI's own prompt framing (role, goal, backstory, task wording)
reaches the model and is counted.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict

from coordlab.backends._crewai_env import crewai_home, prepare_environment
from coordlab.backends._roles import ROLES
from coordlab.llm.base import Completion, Message
from coordlab.llm.reading import HEADER_RE

prepare_environment()
with crewai_home():
    from crewai import Agent, Task
    from crewai.llms.base_llm import BaseLLM

EXPECTED = "The answer in exactly the format the instructions ask for, and nothing else."


class SimCrewLLM(BaseLLM):
    """The simulator as a CrewAI LLM; it reports its own token usage."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    sim: Any = None
    tier: str = "primary"
    last: Any = None

    def call(
        self,
        messages,
        tools=None,
        callbacks=None,
        available_functions=None,
        from_task=None,
        from_agent=None,
        response_model=None,
    ) -> str:
        """Answer CrewAI's messages with the simulator."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        ours = [Message(m["role"], str(m["content"])) for m in messages]
        done = self.sim.complete(ours, self.tier)
        self.last = done
        self._track_token_usage_internal(
            {
                "prompt_tokens": done.tokens_in,
                "completion_tokens": done.tokens_out,
                "total_tokens": done.tokens_in + done.tokens_out,
            }
        )
        return done.text

    def get_input_tokens_count(self, messages, tools=None, response_model=None) -> int:
        """Not estimated ahead of the call (the simulator counts what it receives)."""
        return 0

    def supports_function_calling(self) -> bool:
        """No tools: the steps call coordlab's tools themselves."""
        return False


class CrewAgentLLM:
    """coordlab's ``LLM`` interface served by one CrewAI agent per LLM step."""

    def __init__(self, sim):
        self.crew_llm = SimCrewLLM(model="coordlab-sim", sim=sim)
        self.agents = {
            step: Agent(
                role=role,
                goal=goal,
                backstory=story,
                llm=self.crew_llm,
                max_retry_limit=0,
                verbose=False,
                allow_delegation=False,
            )
            for step, (role, goal, story) in ROLES.items()
        }

    def complete(self, messages: list[Message], model: str = "primary") -> Completion:
        """Run the prompt as a Task of the step's agent."""
        step = HEADER_RE.search(messages[-1].content).group(1)
        text = "\n\n".join(m.content for m in messages) + "\n### End"
        task = Task(description=text, expected_output=EXPECTED, agent=self.agents[step])
        self.crew_llm.tier, self.crew_llm.last = model, None
        with crewai_home():
            answer = self.agents[step].execute_task(task)
        done = self.crew_llm.last
        return Completion(
            text=str(answer),
            model=done.model,
            tokens_in=done.tokens_in,
            tokens_out=done.tokens_out,
            latency_s=done.latency_s,
            fault=done.fault,
        )
