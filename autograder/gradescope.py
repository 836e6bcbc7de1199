"""``python -m autograder.gradescope LAB``: the name bundles written before the package was grouped by concern
call; the runner is :mod:`autograder.integrations.gradescope.upload`."""

import sys

from autograder.integrations.gradescope.upload import main

if __name__ == "__main__":
    sys.exit(main())
