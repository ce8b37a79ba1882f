"""A throw-away PostgreSQL server from the Debian package, for the tests and benchmarks/scale.py.

``initdb`` into a fresh folder owned by the unprivileged ``postgres`` user (the
package creates it; PostgreSQL refuses to run as root), listening only on a unix
socket in that folder, so that several servers (pytest-xdist workers) never collide.
"""

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager

USER = "postgres"


def server_binaries():
    """The newest installed server's bin folder; a one-line error naming the package when none is."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    return os.path.dirname(found[-1])


class PostgresServer:
    def __init__(self, folder, binaries):
        self.folder, self.binaries = folder, binaries

    def _run(self, tool, *args):
        return subprocess.run(
            [os.path.join(self.binaries, tool), *args],
            user=USER,
            group=USER,
            extra_groups=[],
            check=True,
            capture_output=True,
            text=True,
            cwd=self.folder,
        )

    def url(self, database):
        """The SQLAlchemy URL of ``database`` (over the unix socket)."""
        return f"postgresql://{USER}@/{database}?host={self.folder}"

    def create_database(self, name, template=None):
        """A new database, empty or a copy of ``template`` (which nobody may be connected to)."""
        self._run("createdb", "-h", self.folder, "-U", USER, *(["-T", template] if template else []), name)
        return self.url(name)


@contextmanager
def postgres_server(durable=False):
    """Yield a new running PostgresServer; stop it and remove its files afterwards.

    ``durable=False`` turns fsync off (tests); the benchmark keeps PostgreSQL's default.
    """
    binaries = server_binaries()
    folder = tempfile.mkdtemp(prefix="autograder-pg-")
    shutil.chown(folder, USER, USER)
    server = PostgresServer(folder, binaries)
    data = os.path.join(folder, "data")
    server._run("initdb", "-D", data, "-A", "trust", "-U", USER, "-E", "UTF8", "--no-sync")
    options = f"-k {folder} -c listen_addresses='' -c max_connections=50" + ("" if durable else " -c fsync=off")
    server._run("pg_ctl", "-D", data, "-o", options, "-l", os.path.join(folder, "log"), "-w", "start")
    try:
        yield server
    finally:
        subprocess.run(
            [os.path.join(binaries, "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"],
            user=USER,
            group=USER,
            extra_groups=[],
            capture_output=True,
            cwd=folder,
        )
        shutil.rmtree(folder, ignore_errors=True)
