"""nbgrader's ``release_feedback``, one student at a time, with secrets checked.

nbgrader 0.9.6 names each feedback page in the exchange after a hash of the student's
``submission_secret.txt``, read with a plain ``open`` from ``feedback/<student>/<assignment>/``
(``autograder feedback`` copies it there from the submission). The student wrote that file:
empty (an assertion in ``notebook_hash``), missing, not UTF-8 or a folder, it raised, and the
release stopped for everyone after them; the same secret in two submissions made their
pages overwrite each other. And nbgrader makes the exchange's ``feedback/`` folder, and writes
each page there, following links (twelfth and thirteenth red teams).

``SafeExchangeReleaseFeedback`` (``c.ExchangeFactory.release_feedback``) makes or checks the
root, the course's folder and ``feedback/`` as ``release_assignment`` does
(``exchange_folders``: no link, trusted owners only); releases each page whose secret is one
nbgrader's submit writes (letters and digits) through a fresh file of its own, renamed over
the page's name (never through a link someone left there); says which pages it left out and
why; and leaves out both pages of a shared secret.
"""

import glob
import os
import re
import stat
import tempfile

from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.utils import notebook_hash

from ..files import read_regular_file, shown
from .exchange import TrustedExchangeRoot
from .exchange_folders import ExchangeFolderError, make_folder

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


# nbgrader's feedback folder: its owner writes, students may only open a page they know the name of.
FEEDBACK_MODE = stat.S_IRWXU | stat.S_IXGRP | stat.S_IXOTH
PAGE_MODE = 0o644


class SafeExchangeReleaseFeedback(TrustedExchangeRoot, ExchangeReleaseFeedback):
    """``release_feedback`` that refuses one student's page, never the class's."""

    def init_dest(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        groupshared, instructors = self.coursedir.groupshared, self._instructors()
        if groupshared:  # nbgrader checks the root only for courses that are not group-shared
            self.ensure_root()
        shared = (stat.S_ISGID | stat.S_IRGRP | stat.S_IWGRP) if groupshared else 0
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.outbound_feedback_path = self.dest_path = os.path.join(self.course_path, "feedback")
        try:
            make_folder(self.course_path, 0o755 | (stat.S_ISGID | stat.S_IWGRP if groupshared else 0), instructors)
            make_folder(self.dest_path, FEEDBACK_MODE | shared, instructors)
        except ExchangeFolderError as error:
            self.fail(str(error))

    def _publish(self, page, name):
        """Copy ``page`` to ``name`` in the exchange through a new file of our own (``mkstemp``
        opens with O_EXCL: never a link or file someone left there), renamed over the name."""
        data = read_regular_file(page)
        descriptor, temporary = tempfile.mkstemp(dir=self.dest_path, prefix=".feedback-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as f:
                f.write(data)
                os.fchmod(f.fileno(), PAGE_MODE)
            os.replace(temporary, os.path.join(self.dest_path, f"{name}.html"))
        except OSError:
            os.unlink(temporary)
            raise

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
            try:
                self._publish(page, name)
            except OSError as error:  # a folder where the page goes, a full disk: this page alone
                self.log.error("No feedback released for %s (%s): %s", shown(student), shown(notebook), error)
                continue
            self.log.info("Feedback released for %s (%s)", shown(student), shown(notebook))
