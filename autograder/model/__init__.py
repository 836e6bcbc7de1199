"""The check model: checks, answers, labs and what a graded lab produces; no Keras, no I/O."""
