"""Running checks on a student's answers in this process: reading answers, Keras state, explanations."""
