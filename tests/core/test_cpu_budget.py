"""The CPU budget hidden tests put around a call on a large input (nnsupport/cpu_budget.py)."""

import signal
import time

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cpu_budget import cpu_budget


def busy(seconds):
    """Spend about ``seconds`` of CPU time in Python bytecode."""
    start = time.process_time()
    while time.process_time() - start < seconds:
        sum(range(1000))


def test_work_past_the_budget_is_stopped_with_a_message_that_says_what_to_do():
    start = time.process_time()
    with pytest.raises(TimeoutError, match=r"forward on 9 rows used more than 0.3 CPU-seconds") as stopped:
        with cpu_budget(0.3, "forward on 9 rows", "row"):
            busy(30)
    assert time.process_time() - start < 5
    assert "runs the forward pass again once per row" in str(stopped.value)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None)


def test_work_within_the_budget_and_time_spent_waiting_do_not_count():
    with cpu_budget(0.5, "a short call", "example"):
        busy(0.05)
        time.sleep(1.0)  # the clock moves, the process's CPU time does not
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_the_budget_stops_a_test_cell_in_a_kernel_and_the_next_cell_runs():
    """Hidden tests run in the student's kernel: the signal must reach ipykernel's main thread."""
    notebook = new_notebook(
        cells=[
            new_code_cell(
                "import time\n"
                "from autograder.cpu_budget import cpu_budget\n"
                "with cpu_budget(0.5, 'numerical backward on 40,000 examples', 'example'):\n"
                "    start = time.process_time()\n"
                "    while time.process_time() - start < 60:\n"
                "        sum(range(1000))\n"
            ),
            new_code_cell("print('next cell ran')"),
        ]
    )
    NotebookClient(notebook, timeout=50, kernel_name="python3", allow_errors=True).execute()
    first, second = (cell.outputs for cell in notebook.cells)
    assert first[-1]["output_type"] == "error" and first[-1]["ename"] == "TimeoutError"
    assert "used more than 0.5 CPU-seconds" in first[-1]["evalue"]
    assert second[0]["text"] == "next cell ran\n"
    nbformat.validate(notebook)
