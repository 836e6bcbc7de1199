"""Isolated grading of a notebook or a class: the warm sandbox pool, the verdicts, the ledger."""
