"""Proving: the checks are proven before they grade anyone (``autograder release``).

The release runs the assignment's library of mistakes and correct alternatives (see
``authoring.library``) through the grading path, sandboxed and in parallel: every
alternative must keep full marks, every mistake must lose a quarter of its test cell's
points by a wide margin, and a submission that implements nothing and forges every
record it could derive must earn nothing. ``gate`` runs it all and refuses the release
otherwise; the mistakes' values become the fingerprints that diagnose students' work.
This stage sits above both ``authoring`` and ``grading``.
"""
