"""Grading: submitted/ -> workers -> one writer -> nbgrader's gradebook.

``collect`` reads submissions (folders or LMS zips), ``pipeline`` splits nbgrader's
autograde pipeline into the worker half and the writer half, ``worker`` executes one
submission (pure: files in, executed notebooks out), ``writer`` judges and records,
``state`` remembers what was recorded, ``batch`` runs it all in parallel and ``check``
grades one notebook without touching the gradebook.
"""
