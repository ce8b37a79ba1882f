"""nbgrader's ``release_feedback``, one student at a time, with secrets checked.

nbgrader 0.9.6 names each feedback page in the exchange after a hash of the student's
``submission_secret.txt``, read with a plain ``open`` from ``feedback/<student>/<assignment>/``
(``autograder feedback`` copies it there from the submission). The student wrote that file:
empty (an assertion in ``notebook_hash``), missing, not UTF-8 or a folder, it raised, and the
release stopped for everyone after them; the same secret in two submissions made their
pages overwrite each other. ``SafeExchangeReleaseFeedback`` (``c.ExchangeFactory.release_feedback``)
releases each page whose secret is one nbgrader's submit writes (letters and digits), says
which it left out and why, and leaves out both pages of a shared secret.
"""

import glob
import os
import re
import shutil

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash

from ..files import read_regular_file, shown

SECRET_FILE = "submission_secret.txt"
# nbgrader's submit writes secrets.token_hex(64): 128 hexadecimal digits.
_SECRET = re.compile(r"[0-9A-Za-z]{16,256}")


def read_secret(folder):
    """The submission secret in ``folder``, or None when there is none a submit could have written."""
    try:
        text = read_regular_file(os.path.join(folder, SECRET_FILE), max_bytes=1024).decode("ascii")
    except (OSError, UnicodeDecodeError):
        return None
    return text if _SECRET.fullmatch(text) else None


class SafeExchangeReleaseFeedback(ExchangeReleaseFeedback):
    """``release_feedback`` that refuses one student's page, never the class's."""

    def _pages(self):
        """[(student, notebook, page path)] of the feedback pages found, as nbgrader matches them."""
        pattern = re.escape(os.path.sep).join(
            [
                self.coursedir.format_path(
                    self.coursedir.feedback_directory, "(?P<student_id>.*)", self.coursedir.assignment_id, escape=True
                ),
                "(?P<notebook_id>.*).html",
            ]
        )
        excluded = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        pages = []
        for page in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            match = re.match(pattern, page)
            if match is None:
                self.log.error("Could not match %s with the feedback folders' pattern", shown(page))
            elif match["student_id"] not in excluded:
                pages.append((match["student_id"], match["notebook_id"], page))
        return pages

    def copy_files(self):
        named = []  # (student, notebook, page, name in the exchange)
        for student, notebook, page in self._pages():
            secret = read_secret(os.path.dirname(page))
            if secret is None:
                self.log.error(
                    "No feedback released for %s (%s): its %s is missing or not a secret nbgrader's submit "
                    "writes; ask the student to submit again",
                    shown(student),
                    shown(notebook),
                    SECRET_FILE,
                )
            else:
                named.append((student, notebook, page, notebook_hash(secret=secret, notebook_id=notebook)))
        owners = {}
        for student, _, _, name in named:
            owners.setdefault(name, set()).add(student)
        for student, notebook, page, name in named:
            if len(owners[name]) > 1:
                self.log.error(
                    "No feedback released for %s (%s): another student's submission has the same %s",
                    shown(student),
                    shown(notebook),
                    SECRET_FILE,
                )
                continue
            temporary = os.path.join(self.dest_path, f"{name}-tmp.html")
            shutil.copy(page, temporary)
            os.replace(temporary, os.path.join(self.dest_path, f"{name}.html"))
            self.log.info("Feedback released for %s (%s)", shown(student), shown(notebook))
