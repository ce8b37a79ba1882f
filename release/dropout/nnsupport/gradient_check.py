"""Numerical gradients by centred differences, to check analytic backward passes.

``(f(x + h) - f(x - h)) / 2h`` has error O(h^2), so with h = 1e-5 in float64 a
correct analytic gradient agrees to a relative error of about 1e-7 or better.
"""

from random import randrange

import numpy as np


def rel_error(x, y):
    """Relative error ``max(|x - y| / max(1e-8, |x| + |y|))``, CS231n's yardstick."""
    x, y = np.asarray(x), np.asarray(y)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Gradient of a scalar function f at x (x is perturbed in place and restored).

    Inputs:
    - f: function of one array argument returning a scalar
    - x: array at which to evaluate the gradient
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        x[ix] = old_value
        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of ``sum(f(x) * df)`` at x, for a function f returning an array.

    This is how to check a layer's backward pass: df plays the upstream gradient.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old_value = x[ix]
        x[ix] = old_value + h
        pos = f(x).copy()
        x[ix] = old_value - h
        neg = f(x).copy()
        x[ix] = old_value
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare the analytic gradient with the numerical one at a few random entries.

    Prints one line per entry checked and returns the relative errors.
    """
    errors = []
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)
        old_value = x[ix]
        x[ix] = old_value + h
        fxph = f(x)
        x[ix] = old_value - h
        fxmh = f(x)
        x[ix] = old_value
        grad_numerical = (fxph - fxmh) / (2 * h)
        grad_analytic = analytic_grad[ix]
        error = abs(grad_numerical - grad_analytic) / (
            abs(grad_numerical) + abs(grad_analytic) + 1e-12
        )
        errors.append(error)
        print(
            "numerical: %f analytic: %f, relative error: %e"
            % (grad_numerical, grad_analytic, error)
        )
    return errors
