"""nbgrader configuration of the course (docs/design.md section 2).

The instructor's source notebooks are in solutions/, the student versions that
`nbgrader generate_assignment` makes are in labs/ (committed).
"""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"

# The checks train small models and save/reload them: nbgrader's default
# 30 s per cell is too short for a cold kernel.
c.Execute.timeout = 300

# What a student sees where a solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Collecting from an LMS: `nbgrader zip_collect LAB` reads the zip of downloaded submissions in
# downloaded/LAB/archive/. Canvas names each file <student>_[LATE_]<user id>_<submission id>_<file>,
# and students working in Colab upload what Colab downloads: "Copy of batch_norm.ipynb",
# "batch_norm (1).ipynb" (Canvas adds "-1" to a resubmission). All of these are collected as
# submitted/<student>/LAB/LAB.ipynb. For another LMS, change the part before <file>.
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[^/]+?)_(?:LATE_)?\d+_\d+_"
    r"(?:Copy of )?(?P<file_id>[A-Za-z0-9_]+?)(?: \(\d+\))?(?:-\d+)?\.ipynb$"
)
