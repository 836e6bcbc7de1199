"""nbgrader configuration of the course (DESIGN.md section 2).

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
