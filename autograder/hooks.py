"""The nbgrader hooks our nbgrader_config.py plugs in.

``refuse_unsafe_entries`` runs before plain ``nbgrader autograde`` (and formgrader's
Autograde button) copies a submission into autograded/: nbgrader copies with
``shutil.copy``, which reads through symbolic links as the grader (a link to the
grading bundle or to a root-only file arrives in the kernel's folder as a regular
file) and blocks forever on a FIFO. The hook removes such entries from the
submission first. No student data is lost: a link holds no content of its own, a
hard link's content stays under its other name, and FIFOs, sockets and devices hold
none; each removal is logged with its reason.
"""

import os
import stat

from traitlets.log import get_logger


def _unsafe_reason(info):
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    if stat.S_ISREG(info.st_mode):
        return "a hard link (the same file exists elsewhere)" if info.st_nlink > 1 else None
    if stat.S_ISDIR(info.st_mode):
        return None
    return "a special file (FIFO, socket or device)"


def _remove(path, reason, log):
    log.warning("Removed %s from the submission before grading: %s (no content is lost)", path, reason)
    os.unlink(path)


def refuse_unsafe_entries(assignment=None, student=None, notebooks=(), **_):
    """pre_convert_hook: remove links and special files from the submission being converted."""
    log = get_logger()
    folders = {os.path.dirname(os.path.abspath(path)) for path in notebooks}
    for folder in sorted(folders):
        student_folder = os.path.dirname(folder)
        for path in (student_folder, folder):  # submitted/<student> and submitted/<student>/<assignment>
            if os.path.islink(path):
                _remove(path, "a symbolic link in place of the submission folder", log)
                break
        else:
            for current, dirs, names in os.walk(folder):
                for name in dirs + names:
                    path = os.path.join(current, name)
                    reason = _unsafe_reason(os.lstat(path))
                    if reason is not None:
                        _remove(path, reason, log)
