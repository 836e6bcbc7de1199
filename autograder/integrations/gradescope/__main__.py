"""``python -m autograder.integrations.gradescope LAB``: what ``run_autograder`` calls."""

import sys

from autograder.integrations.gradescope.upload import main

sys.exit(main())
