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
it, and so is a folder above the root that a student could have made or may replace. Trusted
owners: root, the account running the command, and, for a group-shared course, the members of
that account's own group (the instructors'), never a folder's own group: every student is a
member of their own (found by the eighth red team).
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
    """Whether a folder or file with stat ``info`` belongs to someone who may change the exchange:
    root, this account, or, for a group-shared course, a member of this account's own group
    (the instructors'). Never the file's own group: every student is a member of their own."""
    if info.st_uid in (0, os.geteuid()):
        return True
    return bool(groupshared) and _member_of_group(info.st_uid, os.getegid())


def folder_problem(path, groupshared, info=None):
    """Why the existing ``path`` is not an exchange folder to trust, or None."""
    info = info or os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link, not a folder: a student may have made it; remove it"
    if not stat.S_ISDIR(info.st_mode):
        return f"{path} is not a folder; remove it"
    if not trusted_owner(info, groupshared):
        whose = "an instructor of your group" if groupshared else "you"
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


def check_ancestors(path, groupshared):
    """Make the folders above ``path`` that are missing, with ``mkdir``, and refuse any that a
    student could have made or may replace: every folder above must belong to a trusted owner
    (root, you, an instructor of your group) and, when others may write it, be sticky (like
    /tmp); a link above must belong to a trusted owner too, and what it points to is checked
    the same way. Raises ExchangeFolderError naming the first one refused."""
    parent, seen = os.path.dirname(os.path.abspath(path)), 0
    prefix = os.sep
    for part in [part for part in parent.split(os.sep) if part]:
        prefix = os.path.join(prefix, part)
        try:
            os.mkdir(prefix, 0o755)
        except FileExistsError:
            pass
        except PermissionError as error:
            raise ExchangeFolderError(f"Could not create {prefix} ({error.strerror}).") from error
        info = os.lstat(prefix)
        if not trusted_owner(info, groupshared):
            raise ExchangeFolderError(
                f"{prefix}, above the exchange folder {path}, is owned by uid {info.st_uid}, neither root nor "
                "an instructor: a student may have made it. Put the exchange where only instructors create folders."
            )
        if stat.S_ISLNK(info.st_mode):
            seen += 1
            if seen > 40:
                raise ExchangeFolderError(f"{prefix}: too many links above the exchange folder {path}.")
            check_ancestors(os.path.join(os.path.realpath(prefix), "x"), groupshared)
            continue
        if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
            raise ExchangeFolderError(
                f"{prefix}, above the exchange folder {path}, is writable by everyone and not sticky: anyone "
                f"could replace what is in it. Run `chmod +t {prefix}`, or put the exchange elsewhere."
            )


def make_folder(path, mode, groupshared, parents=False, keep_mode=True):
    """Make the exchange folder ``path`` with ``mode`` if it is missing (``parents``: and the
    folders above it), or refuse it if it cannot be trusted; an existing folder is given
    ``mode`` too unless ``keep_mode``. Raises ExchangeFolderError saying what to do."""
    if parents:
        check_ancestors(path, groupshared)
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
