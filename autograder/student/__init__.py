"""The student's side: the notebook checker, Google Colab, the set-up cell."""
