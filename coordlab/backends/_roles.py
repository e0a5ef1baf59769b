"""Who answers each LLM step, for the frameworks that give their agents a persona.

CrewAI (role, goal, backstory) and AutoGen (a system message) frame every call with these; the
plain and LangGraph backends send coordlab's prompt as it is. The framing is part of what a
framework costs in tokens, so it is the same text wherever a framework asks for one. The
personas live in the step table (:mod:`coordlab.domain.steps`); this module only shapes them
the way the framework adapters read them.
"""

from __future__ import annotations

from coordlab.domain.steps import TABLE, step

ROLES: dict[str, tuple[str, str, str]] = {
    s.name: (s.persona.role, s.persona.goal, s.persona.backstory) for s in TABLE if s.persona
}
"""LLM step -> (role, goal, backstory), from the step table."""


def persona(name: str) -> str:
    """The step's persona in one paragraph (an AutoGen system message).

    Example:
        >>> persona("intake").split(". ")[0]
        "You are the support desk's intake clerk"
    """
    return step(name).persona.paragraph()
