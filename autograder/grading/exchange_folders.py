"""The exchange's own folders (its root, a course's folder, ``outbound/``, ``inbound/``), made
and trusted without following a student's link.

nbgrader's exchange makes these folders with ``os.makedirs`` and ``os.chmod``, which follow
symbolic links, and trusts any that exist under a group-shared course. Its root is writable by
everyone, so a student can make the root (where it does not exist yet, in a folder like
``/tmp``) or a course's folder first, as a link to a folder of the instructor's or as a folder
of their own: a chmod through the link opens the instructor's folder to everyone, and a
folder the student owns lets them replace ``outbound/``, ``inbound/`` or the release log in it
(found by the seventh red team). Here every folder is made with ``mkdir`` (which never follows
a link), checked with ``lstat``, and changed through a descriptor opened with ``O_NOFOLLOW``;
one that is a link, not a folder, or owned by an account that is not trusted is refused, naming
it. Trusted owners: root, the account running the command, and, for a group-shared course,
the members of the folder's group.
"""

import grp
import os
import pwd
import stat

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


class ExchangeFolderError(OSError):
    """An exchange folder that cannot be trusted or made; the message says which and why."""


def _member_of_group(uid, gid):
    """Whether the account ``uid`` belongs to the group ``gid`` (as its primary group or a member)."""
    try:
        account = pwd.getpwuid(uid)
        return account.pw_gid == gid or account.pw_name in grp.getgrgid(gid).gr_mem
    except KeyError:
        return False


def trusted_owner(info, groupshared):
    """Whether a folder or file with stat ``info`` belongs to someone who may change the exchange."""
    if info.st_uid in (0, os.geteuid()):
        return True
    return bool(groupshared) and _member_of_group(info.st_uid, info.st_gid)


def folder_problem(path, groupshared, info=None):
    """Why the existing ``path`` is not an exchange folder to trust, or None."""
    info = info or os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link, not a folder: a student may have made it; remove it"
    if not stat.S_ISDIR(info.st_mode):
        return f"{path} is not a folder; remove it"
    if not trusted_owner(info, groupshared):
        whose = "a member of its group" if groupshared else "you"
        return (
            f"{path} is owned by uid {info.st_uid}, neither root nor {whose}: a student may have made it. "
            "Move it aside and check what it holds"
        )
    return None


def open_folder(path):
    """A descriptor of the folder ``path`` itself, never of what a link there points to."""
    try:
        return os.open(path, FOLDER_FLAGS)
    except OSError as error:
        raise ExchangeFolderError(f"{path} cannot be opened as a folder ({error.strerror}): a link?") from error


def make_folder(path, mode, groupshared, parents=False, keep_mode=True):
    """Make the exchange folder ``path`` with ``mode`` if it is missing (``parents``: and the
    folders above it), or refuse it if it cannot be trusted; an existing folder is given
    ``mode`` too unless ``keep_mode``. Raises ExchangeFolderError saying what to do."""
    if parents:
        os.makedirs(os.path.dirname(path), exist_ok=True)
    made = True
    try:
        os.mkdir(path, 0o700)  # only the maker may enter until its mode is set below
    except FileExistsError:
        made = False
        problem = folder_problem(path, groupshared)
        if problem:
            raise ExchangeFolderError(f"{problem}.") from None
    except PermissionError as error:
        raise ExchangeFolderError(f"Could not create {path} ({error.strerror}).") from error
    descriptor = open_folder(path)
    try:
        info = os.fstat(descriptor)
        problem = folder_problem(path, groupshared, info)
        if problem:  # replaced between the check and the open
            raise ExchangeFolderError(f"{problem}.")
        if (made or not keep_mode) and stat.S_IMODE(info.st_mode) != mode:
            try:
                os.fchmod(descriptor, mode)
            except PermissionError as error:
                raise ExchangeFolderError(
                    f"{path} has mode {stat.S_IMODE(info.st_mode):o}, not {mode:o}, and you may not change it: "
                    "ask its owner to."
                ) from error
    finally:
        os.close(descriptor)


def make_sticky(path, report, why):
    """Add the sticky bit to the folder ``path`` (never through a link) when this process may;
    returns whether it is a sticky folder now. ``report``: the logging method that says so."""
    try:
        descriptor = open_folder(path)
    except ExchangeFolderError:
        return False
    try:
        mode = os.fstat(descriptor).st_mode
        if mode & stat.S_ISVTX:
            return True
        try:
            os.fchmod(descriptor, stat.S_IMODE(mode) | stat.S_ISVTX)
        except PermissionError:
            return False
    finally:
        os.close(descriptor)
    report(
        "%s was not sticky (mode %o): %s. Made it sticky (mode %o).",
        path,
        stat.S_IMODE(mode),
        why,
        stat.S_IMODE(mode) | stat.S_ISVTX,
    )
    return True
