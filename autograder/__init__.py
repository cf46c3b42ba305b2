"""The grading side of the course: nbgrader configuration helpers and the
command that grades a folder of submissions (`python -m autograder grade`)."""
