"""``python -m autograder.gradescope LAB``: the name Gradescope bundles built before the package was grouped by
concern call; the runner is :mod:`autograder.integrations.gradescope`."""

import sys

from autograder.integrations.gradescope import main

if __name__ == "__main__":
    sys.exit(main())
