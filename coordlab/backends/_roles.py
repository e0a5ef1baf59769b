"""Who answers each LLM step, for the frameworks that give their agents a persona.

CrewAI (role, goal, backstory) and AutoGen (a system message) frame every call with these; the
plain and LangGraph backends send coordlab's prompt as it is. The framing is part of what a
framework costs in tokens, so it is the same text wherever a framework asks for one.
"""

ROLES = {
    "intake": (
        "Intake clerk",
        "Read each customer email and say what is being asked",
        "You sort the inbox of an online shop's support desk.",
    ),
    "decide": (
        "Case officer",
        "Decide each ticket exactly as the shop's policies say",
        "You handle refunds and questions for an online shop.",
    ),
    "compose": (
        "Support writer",
        "Write the reply the customer will read",
        "You write clear, friendly replies for an online shop.",
    ),
    "verify": (
        "Reviewer",
        "Check the desk's work before anything reaches a customer",
        "You review tickets for an online shop.",
    ),
}
"""LLM step -> (role, goal, backstory)."""


def persona(step: str) -> str:
    """The step's persona in one paragraph (an AutoGen system message).

    Example:
        >>> persona("intake").split(". ")[0]
        "You are the support desk's intake clerk"
    """
    role, goal, story = ROLES[step]
    return f"You are the support desk's {role.lower()}. {story} Your goal: {goal.lower()}."
