"""Colab's file download, recorded instead of sent to a browser."""

import os


def download(filename):
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"Cannot find file: {filename}")  # as Colab says
    with open(os.environ["COLAB_STAND_IN_DOWNLOADS"], "a", encoding="utf-8") as f:
        f.write(os.path.abspath(filename) + "\n")
