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
owners: root, the account running the command, and the instructor accounts the course names
(``c.SafeExchangeReleaseAssignment.instructor_accounts``, for a group-shared course with
several instructors); never a group's members, as every student is a member of their own
group and on many systems all accounts share one (eighth and ninth red teams).
"""

import grp
import os
import pwd
import stat

FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


class ExchangeFolderError(OSError):
    """An exchange folder that cannot be trusted or made; the message says which and why."""


def instructor_uids(accounts):
    """The uids of the instructor ``accounts`` (names or uids) an exchange trusts besides root and
    the account running the command; ValueError naming an account this system does not have."""
    uids = set()
    for account in accounts:
        try:
            uids.add(account if isinstance(account, int) else pwd.getpwnam(account).pw_uid)
        except KeyError:
            raise ValueError(f"no account {account!r} on this system") from None
    return frozenset(uids)


def configured_instructors(config):
    """The instructor uids a course's configuration names
    (``c.SafeExchangeReleaseAssignment.instructor_accounts``); ValueError for an unknown account."""
    return instructor_uids(config.SafeExchangeReleaseAssignment.get("instructor_accounts", []))


def trusted_owner(info, instructors=frozenset()):
    """Whether a folder or file with stat ``info`` belongs to someone who may change the exchange:
    root, this account, or one of the ``instructors`` (uids) the course names. Never inferred
    from groups: every student is a member of their own, and on many systems all accounts share
    one primary group (found by the eighth and ninth red teams)."""
    return info.st_uid in (0, os.geteuid()) or info.st_uid in instructors


def untrusted_group_writer(info, instructors=frozenset()):
    """When the group of a folder or file with stat ``info`` may write it: the uid of a member of
    that group who is not trusted, or None (also when the group may not write). Members are
    the accounts whose primary group it is and those the group lists."""
    if not info.st_mode & stat.S_IWGRP:
        return None
    try:
        listed = {pwd.getpwnam(name).pw_uid for name in grp.getgrgid(info.st_gid).gr_mem}
    except KeyError:
        return -1  # a group this system cannot name: its members cannot be known
    members = listed | {account.pw_uid for account in pwd.getpwall() if account.pw_gid == info.st_gid}
    return next((uid for uid in sorted(members) if uid not in (0, os.geteuid()) and uid not in instructors), None)


def folder_problem(path, instructors, info=None, students_write=False):
    """Why the existing ``path`` is not an exchange folder to trust, or None. ``students_write``:
    a folder students write into by design (``inbound/``), whose group may write it too."""
    info = info or os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link, not a folder: a student may have made it; remove it"
    if not stat.S_ISDIR(info.st_mode):
        return f"{path} is not a folder; remove it"
    if not trusted_owner(info, instructors):
        return (
            f"{path} is owned by uid {info.st_uid}, neither root nor you: a student may have made it. "
            "Move it aside and check what it holds (a co-instructor's account belongs in "
            "c.SafeExchangeReleaseAssignment.instructor_accounts)"
        )
    writer = None if students_write else untrusted_group_writer(info, instructors)
    if writer is not None:
        return (
            f"{path} may be written by its group (gid {info.st_gid}), whose members include uid {writer}, neither "
            "root, you nor a named instructor: give it a group of instructors only, or remove the group's write "
            "permission"
        )
    return None


def open_folder(path):
    """A descriptor of the folder ``path`` itself, never of what a link there points to."""
    try:
        return os.open(path, FOLDER_FLAGS)
    except OSError as error:
        raise ExchangeFolderError(f"{path} cannot be opened as a folder ({error.strerror}): a link?") from error


def check_ancestors(path, instructors, create=True):
    """Make the folders above ``path`` that are missing, with ``mkdir``, and refuse any that a
    student could have made or may replace: every folder above must belong to a trusted owner
    (root, you, a named instructor) and, when anyone else may write it (everyone, or a member of
    its group), be sticky (like /tmp); a link above must belong to a trusted owner too, and what it points to is
    checked the same way. ``create``: False only checks (grading, collecting). Raises
    ExchangeFolderError naming the first one refused."""
    parent, seen = os.path.dirname(os.path.abspath(path)), 0
    prefix = os.sep
    for part in [part for part in parent.split(os.sep) if part]:
        prefix = os.path.join(prefix, part)
        if create:
            try:
                os.mkdir(prefix, 0o755)
            except FileExistsError:
                pass
            except PermissionError as error:
                raise ExchangeFolderError(f"Could not create {prefix} ({error.strerror}).") from error
        info = os.lstat(prefix)
        if not trusted_owner(info, instructors):
            raise ExchangeFolderError(
                f"{prefix}, above the exchange folder {path}, is owned by uid {info.st_uid}, neither root nor "
                "an instructor: a student may have made it. Put the exchange where only instructors create folders."
            )
        if stat.S_ISLNK(info.st_mode):
            seen += 1
            if seen > 40:
                raise ExchangeFolderError(f"{prefix}: too many links above the exchange folder {path}.")
            check_ancestors(os.path.join(os.path.realpath(prefix), "x"), instructors, create)
            continue
        others_write = info.st_mode & stat.S_IWOTH or untrusted_group_writer(info, instructors) is not None
        if others_write and not info.st_mode & stat.S_ISVTX:
            raise ExchangeFolderError(
                f"{prefix}, above the exchange folder {path}, may be written by others (mode "
                f"{stat.S_IMODE(info.st_mode):o}) and is not sticky: they could replace what is in it. Run "
                f"`chmod +t {prefix}`, or put the exchange elsewhere."
            )


def make_folder(path, mode, instructors, parents=False, keep_mode=True, students_write=False):
    """Make the exchange folder ``path`` with ``mode`` if it is missing (``parents``: and the
    folders above it), or refuse it if it cannot be trusted; an existing folder is given
    ``mode`` too unless ``keep_mode``. Raises ExchangeFolderError saying what to do."""
    if parents:
        check_ancestors(path, instructors)
    made = True
    try:
        os.mkdir(path, 0o700)  # only the maker may enter until its mode is set below
    except FileExistsError:
        made = False
        problem = folder_problem(path, instructors, students_write=students_write)
        if problem:
            raise ExchangeFolderError(f"{problem}.") from None
    except PermissionError as error:
        raise ExchangeFolderError(f"Could not create {path} ({error.strerror}).") from error
    descriptor = open_folder(path)
    try:
        info = os.fstat(descriptor)
        problem = folder_problem(path, instructors, info, students_write)
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
