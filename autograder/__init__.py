"""The autograder toolkit: release, grade and report on nbgrader assignments."""
