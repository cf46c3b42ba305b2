"""Reference answers and known wrong answers, one module per assignment.

Hidden tests compare a student's output with the reference here on inputs
the student has not seen, and pass the outputs of the known mistakes to the
checks so that a failure can name its likely cause. They are written
independently of the solution notebooks (loops where the solutions
vectorise), and the project's own tests check that both agree.
"""
