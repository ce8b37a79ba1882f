"""Authoring: course/ -> source_assignments/ -> release/, with expected values and a leak check.

``sync`` keeps the source notebooks' solution cells equal to ``course/`` and writes the
generated files beside them; ``expected`` records every check's expected value by
running the reference; ``material`` and ``library`` read the authored grading material
(held-out examples, the library of mistakes and correct alternatives); ``release`` runs
nbgrader's generate_assignment and refuses any release that ``leaks`` finds a secret in,
or that the verification step it is given (``autograder.proving``) refuses.
"""
