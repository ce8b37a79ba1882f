"""Real unix accounts and nbgrader's exchange for the tests that hand work in as students.

Each account is created with ``useradd`` for the test run (names carry a random token, so
runs never share one) and removed afterwards; each student's commands run under that
account's uid and gid through ``setpriv``, so what they create in the exchange is theirs,
exactly as on a course server. (The tests run as root, as CI does.)

One liberty: a student's process keeps the ``dac_read_search`` capability, because the
test's Python may live in a folder only root may enter (here, a pyenv under /root). It
lets the process read and search any file; it grants no write, rename or removal, which is
all the attacks here try, and files it creates still belong to the student.
"""

import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from support import ASSIGNMENT, COURSE_ID, NOTEBOOK

PUBLIC_MODE = 0o755


class StudentAccounts:
    """Accounts named ``ag<token>-<role>``, each with a home under a folder everyone can enter."""

    def __init__(self, roles):
        if os.geteuid() != 0 or not shutil.which("useradd") or not shutil.which("setpriv"):
            raise RuntimeError("the exchange tests create unix accounts: run them as root, with useradd and setpriv")
        self.public = Path(tempfile.mkdtemp(prefix="autograder-exchange-"))
        self.public.chmod(PUBLIC_MODE)
        token = secrets.token_hex(3)
        self.names = {}
        try:
            for role in roles:
                name = f"ag{token}-{role}"
                home = self.public / "home" / name
                subprocess.run(
                    [
                        "useradd",
                        "--no-create-home",
                        "--home-dir",
                        str(home),
                        "--shell",
                        "/usr/sbin/nologin",
                        "--user-group",
                        name,
                    ],
                    check=True,
                    capture_output=True,
                )
                self.names[role] = name
                home.mkdir(parents=True)
                shutil.chown(home, name, name)
        except BaseException:
            self.remove()
            raise

    def __getitem__(self, role):
        return self.names[role]

    def uid(self, role):
        return pwd.getpwnam(self.names[role]).pw_uid

    def home(self, role):
        return self.public / "home" / self.names[role]

    def remove(self):
        for name in self.names.values():
            subprocess.run(["userdel", name], capture_output=True)
        shutil.rmtree(self.public, ignore_errors=True)

    def command(self, role, args):
        """``args`` as the student: their uid, gid and home, no other group, a plain environment."""
        name = self.names[role]
        environment = {"HOME": str(self.home(role)), "PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
        return [
            "setpriv",
            f"--reuid={name}",
            f"--regid={name}",
            "--clear-groups",
            "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search",
            "env",
            "-i",
            *[f"{key}={value}" for key, value in environment.items()],
            *args,
        ]

    def run(self, role, args):
        return subprocess.run(self.command(role, args), cwd=self.home(role), capture_output=True, text=True)

    def python(self, role, code, *arguments):
        """Run Python ``code`` as the student; it prints one JSON value, returned decoded."""
        result = self.run(role, [sys.executable, "-c", code, *arguments])
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def give_release(self, role, course_root, notebook):
        """The released folder in the student's home, with their own ``notebook`` in it."""
        folder = self.home(role) / ASSIGNMENT
        shutil.copytree(course_root / "release" / ASSIGNMENT, folder)
        nbformat.write(notebook, folder / f"{NOTEBOOK}.ipynb")
        for current, dirs, files in os.walk(folder):
            for entry in [current, *(os.path.join(current, name) for name in dirs + files)]:
                shutil.chown(entry, self.names[role], self.names[role])

    def submit(self, role, exchange, *options):
        """``nbgrader submit`` as the student (``options`` e.g. ``--student=someone-else``)."""
        return self.run(
            role, nbgrader_args("submit", exchange, f"--Exchange.cache={self.home(role) / 'cache'}", *options)
        )


def nbgrader_args(command, exchange, *options):
    return [
        sys.executable,
        "-m",
        "nbgrader",
        command,
        ASSIGNMENT,
        f"--Exchange.root={exchange}",
        f"--CourseDirectory.course_id={COURSE_ID}",
        *options,
    ]


def run_instructor(course_root, command, exchange, *options):
    """An nbgrader exchange command as the instructor (root), in the course directory."""
    return subprocess.run(nbgrader_args(command, exchange, *options), cwd=course_root, capture_output=True, text=True)


def inbound(exchange):
    return Path(exchange) / COURSE_ID / "inbound"


def marked(notebook, owner):
    """A copy of ``notebook`` that says whose work it is, to tell collected copies apart."""
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["handed_in_by"] = owner
    return notebook
