"""What a probe raises to tell the engine about an answer, as opposed to what the answer itself raises."""

from __future__ import annotations


class MissingAnswer(Exception):
    """A name the check needs is not defined by the student's code."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class ContractError(Exception):
    """The answer breaks the lab's contract in a way a probe notices before
    calling it (a weight missing, a wrong return type); the message is for the student."""
