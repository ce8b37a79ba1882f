"""The jupyter_server extension: students check their notebook, instructors run the course.

Enabled by ``jupyter-config/server-config/nn_autograder.json`` (installed with the package
into ``etc/jupyter/jupyter_server_config.d``); ``autograder._jupyter_server_extension_points``
names this module. Handlers live under ``/autograder/api/`` (``handlers.py``). A server
whose root is a course directory with a grading bundle is an instructor's: checks grade
as the instructor's ``autograder check`` does, and the instructors' endpoints answer;
anywhere else (a student's release folder) checks are the student's, public checks only,
and the instructors' endpoints answer 404.
"""

import atexit
import os
from dataclasses import dataclass


@dataclass
class Services:
    root: str
    checks: object  # CheckService
    jobs: object  # JobService, or None on a student's server


def _load_jupyter_server_extension(serverapp):
    from jupyter_core.utils import run_sync

    from .checks import CheckService
    from .handlers import handlers
    from .jobs import JobService
    from .overview import is_course_with_bundle

    root = os.path.realpath(os.path.expanduser(serverapp.root_dir))
    course_root = root if is_course_with_bundle(root) else None
    services = Services(root, CheckService(root, course_root), JobService(course_root) if course_root else None)
    serverapp.web_app.settings["nn_autograder"] = services
    serverapp.web_app.add_handlers(".*$", handlers(serverapp.web_app.settings["base_url"]))

    def stop():
        try:
            run_sync(services.checks.stop_all)()
            if services.jobs is not None:
                run_sync(services.jobs.stop_all)()
        except Exception:  # noqa: BLE001 - at exit the loop may be gone; children die with us anyway
            pass

    atexit.register(stop)
    serverapp.log.info(
        "nn-autograder: %s server, checks and %s under /autograder/api/",
        "an instructor's" if course_root else "a student's",
        "instructor jobs" if course_root else "no instructor endpoints",
    )
