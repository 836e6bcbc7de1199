"""Other tools: Gradescope, pytest, the student release, the demo class."""
