"""A layer written the way a user would: one file, one hook, one registration."""

import re

from coordlab.errors import Rejected
from coordlab.layers import Layer, register

ANGER = re.compile(r"unacceptable|furious|outraged|frustrated|!!", re.I)


class AngerToHuman(Layer):
    """Hands a ticket whose email sounds angry to a human, right after intake.

    It overrides one hook, ``check``: a rejection that blames no step the desk can re-run
    sends the ticket to ``escalate`` (with or without the recovery layer).
    """

    def check(self, step, result, trial) -> None:
        self.inner.check(step, result, trial)
        if step == "intake" and ANGER.search(trial.ticket.email):
            raise Rejected("human", "anger", "the customer sounds angry")


register("anger", AngerToHuman)
