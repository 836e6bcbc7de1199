"""Google Colab: the labs' badge and install cell, and the download of a finished notebook.

The labs in this repository point at a placeholder repository (``OWNER/NAME`` on branch
``main``); ``python -m autograder release DEST --repo OWNER/NAME`` stamps the real one into
the student bundle, the same slug and branch in every badge and install cell.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.version import DISTRIBUTION

_SLUG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_BRANCH = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


@dataclass(frozen=True)
class Repository:
    """Where the student bundle is published: a GitHub ``owner/name`` and a branch."""

    slug: str
    branch: str = "main"

    def __post_init__(self) -> None:
        if not _SLUG.match(self.slug):
            raise ValueError(f"the repository must be a GitHub OWNER/NAME slug. Received: {self.slug!r}")
        if not _BRANCH.match(self.branch) or ".." in self.branch:
            raise ValueError(f"the branch must be a plain git branch name. Received: {self.branch!r}")

    def colab_url(self, lab: str) -> str:
        """The URL that opens a released lab in Colab, straight from GitHub."""
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.branch}/labs/{lab}/{lab}.ipynb"

    def install_spec(self) -> str:
        """What ``%pip install`` gets: this package from the bundle's repository."""
        return f"{DISTRIBUTION} @ git+https://github.com/{self.slug}@{self.branch}"

    def badge(self, lab: str) -> str:
        """The markdown of the "Open in Colab" badge."""
        return f"[![Open In Colab]({BADGE_IMAGE})]({self.colab_url(lab)})"


PLACEHOLDER = Repository("OWNER/NAME", "main")


def stamp(notebook: dict[str, Any], lab: str, repository: Repository) -> int:
    """Replace the placeholder repository in a lab's cells by ``repository``; returns how many
    replacements were made (a lab has one badge and one install cell)."""
    replacements = {
        PLACEHOLDER.colab_url(lab): repository.colab_url(lab),
        PLACEHOLDER.install_spec(): repository.install_spec(),
    }
    count = 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for old, new in replacements.items():
            count += source.count(old)
            source = source.replace(old, new)
        cell["source"] = source
    return count


def on_colab() -> bool:
    """Whether this kernel runs in Google Colab (its module is loaded there from the start)."""
    return "google.colab" in sys.modules


def download_notebook(lab: str, folder: Path = Path(".")) -> Path:
    """Save the notebook open in Colab as ``<lab>.ipynb`` and offer it as a download.

    Colab keeps the notebook in the browser and Drive, not on the runtime's disk, so its
    front end is asked for the current contents; the canonical name is what the graders
    expect (a ``Copy of ...`` name is accepted too, but this avoids it).
    """
    from google.colab import _message, files  # only on Colab

    reply = _message.blocking_request("get_ipynb", request="", timeout_sec=60)
    if not reply or "ipynb" not in reply:
        raise RuntimeError("Colab did not return the notebook; use File > Download > Download .ipynb")
    path = Path(folder) / f"{lab}.ipynb"
    path.write_text(json.dumps(reply["ipynb"], indent=1), encoding="utf-8")
    files.download(str(path))
    return path
