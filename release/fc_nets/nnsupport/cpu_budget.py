"""Stop a test cell's call that uses far more CPU time than a derived solution needs.

This module ships to students as ``nnsupport/cpu_budget.py``; hidden test cells use it
around the one call on a large input that tells a derived gradient from numerical
differentiation::

    with cpu_budget(30, "batchnorm_backward on 40,000 examples of 100 features", "example"):
        dx, dgamma, dbeta = batchnorm_backward(dout, cache)

Why: the honest backward pass takes a twentieth of a second there, a loop over every
element in plain Python a few seconds, while re-running the forward pass once per example
takes hours. Without a budget that shortcut holds a grading worker until the cell's time
limit (two minutes) in every grading and in every proof at release. The budget counts this
process's CPU time (``ITIMER_PROF``), not the clock, so a loaded grading machine, which
slows the clock's view of honest work, never stops it; the budget is also far above the
slowest honest style measured.

Stopping raises ``TimeoutError`` in the cell with a message saying what took too long and
what to do; the grader scores that cell as it scores any error. A submission that replaces
the handler only gets the cell's time limit back: nothing here decides a grade.
"""

import contextlib
import signal


@contextlib.contextmanager
def cpu_budget(seconds, what, unit):
    """Raise ``TimeoutError`` inside the block once it has used ``seconds`` of CPU time.

    ``what`` names the call and its input, ``unit`` what numerical differentiation would loop
    over ("example", "feature"): both go into the message the student reads.
    """

    def stop(signum, frame):
        raise TimeoutError(
            f"{what} used more than {seconds:g} CPU-seconds; a derived gradient takes well under one. "
            f"This usually means the backward pass runs the forward pass again once per {unit} "
            "(numerical differentiation): derive the gradient and compute it with a few array operations."
        )

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
