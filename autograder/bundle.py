"""The grading bundle: the instructor's expected values and checks, per notebook.

Written by ``autograder release`` from a run of the source notebook, stored under
``grading_bundle/<assignment>/<notebook>.checks.json`` (outside every folder that
students or their kernels see), and read by the judge. Layout::

    {"assignment": ..., "notebook": ...,
     "cells": {grade_id: [check, ...]}}

where a check is ``{"name", "kind": "close", "tol", "check_dtype", "expected", "public"}``
or ``{"name", "kind": "accuracy", "threshold", "inputs": {"X", "y"}, "expected", "public"}``
(a public accuracy check's inputs are the notebook's own examples, a hidden one's held-out
examples only the grader has). A hidden check may add ``"requires": name``, another hidden
check of its cell that it earns points only with (``judge._withhold_unbacked``).
"""

import json
import os

from .errors import BundleError


def bundle_path(bundle_dir, assignment, notebook):
    return os.path.join(bundle_dir, assignment, f"{notebook}.checks.json")


def load_bundle(bundle_dir, assignment, notebook):
    path = bundle_path(bundle_dir, assignment, notebook)
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise BundleError(
            f"No grading bundle for {assignment}/{notebook}: {path} does not exist. "
            f"Run `autograder release {assignment}` to record the expected values."
        ) from None
    except ValueError as error:
        raise BundleError(
            f"Grading bundle {path} is not valid JSON ({error}). "
            f"Run `autograder release {assignment}` to write it again."
        ) from None
