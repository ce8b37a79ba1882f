"""The comparison every gradient check in the tests uses."""

import numpy as np

from course.gradient_check import rel_error


def assert_gradient_close(numeric, analytic, tol=1e-6, what=""):
    """CS231n's relative error between gradients, at most ``tol``.

    A gradient that is exactly zero in theory (a bias feeding batchnorm, which
    subtracts it again) comes out as round-off, ~1e-14, on both sides; the relative
    error of two round-offs means nothing, so such pairs must agree absolutely instead.
    """
    numeric = np.asarray(numeric, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if np.max(np.abs(numeric)) < 1e-9 and np.max(np.abs(analytic)) < 1e-9:
        return
    error = rel_error(numeric, analytic)
    assert error <= tol, f"{what}: relative error {error:.2e} > {tol:.0e}"
