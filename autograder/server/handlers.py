"""The REST handlers under /autograder/api/, all behind jupyter_server's authentication.

Every handler is a jupyter_server ``APIHandler`` with ``@tornado.web.authenticated`` (a
request without a token or login cookie is refused, 403) and the ``@authorized``
decorator (the server's authorizer decides, resource ``autograder``); POSTs are checked
for XSRF by ``APIHandler`` as the rest of Jupyter's API is. Errors are one clear line:
``{"error": "..."}`` with a 4xx status. The instructors' handlers answer 404 on a server
whose root is not a course directory with a grading bundle (a student's server).
"""

import json
import os

import tornado
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from ..errors import AutograderError
from ..files import read_regular_file, unsafe_name_reason
from .checks import CheckBusy, CheckFailed
from .jobs import JobRefused
from .paths import PathRefused, notebook_in_root

AUTH_RESOURCE = "autograder"
# The class report holds figures as data: images and inline styles, never a script.
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)


class AutograderHandler(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def autograder(self):
        return self.settings["nn_autograder"]

    def fail(self, status, message):
        self.set_status(status)
        self.finish(json.dumps({"error": message}))

    def body(self):
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise PathRefused(400, "the request body must be a JSON object")
        return body

    def instructor_only(self):
        """False (and a 404 sent) on a server that is not an instructor's course directory."""
        if self.autograder.jobs is None:
            self.fail(404, "not an instructor's server: its root is not a course directory with a grading bundle")
            return False
        return True

    def assignment_or_fail(self, assignment):
        if not isinstance(assignment, str) or unsafe_name_reason(assignment) or assignment.startswith("."):
            self.fail(400, f"{assignment!r} is not an assignment name")
            return None
        from ..course import Course

        known = Course(self.autograder.root).assignments()
        if assignment not in known:
            self.fail(404, f"no assignment {assignment!r} in this course (assignments: {', '.join(known) or 'none'})")
            return None
        return assignment


class CheckHandler(AutograderHandler):
    """POST {"path": ...}: the public checks of the saved notebook, in notebook order."""

    @tornado.web.authenticated
    @authorized("execute")
    async def post(self):
        try:
            notebook = notebook_in_root(self.autograder.root, self.body().get("path"))
            result = await self.autograder.checks.check(notebook)
        except PathRefused as refused:
            return self.fail(refused.status, str(refused))
        except CheckBusy:
            return self.fail(409, "this notebook is being checked already: wait for that check's result")
        except CheckFailed as failed:
            return self.fail(failed.status, str(failed))
        self.finish(json.dumps(result))


class PrepareHandler(AutograderHandler):
    """POST {"path": ...}: start the notebook's checker (and kernel) now; DELETE: the notebook closed."""

    @tornado.web.authenticated
    @authorized("execute")
    async def post(self):
        try:
            notebook = notebook_in_root(self.autograder.root, self.body().get("path"))
        except PathRefused as refused:
            return self.fail(refused.status, str(refused))
        started = await self.autograder.checks.prepare(notebook)
        self.finish(json.dumps({"prepared": True, "started": started}))

    @tornado.web.authenticated
    @authorized("execute")
    async def delete(self):
        try:
            notebook = notebook_in_root(self.autograder.root, self.get_argument("path", ""))
        except PathRefused as refused:
            return self.fail(refused.status, str(refused))
        await self.autograder.checks.release(notebook)
        self.set_status(204)
        self.finish()


class RoleHandler(AutograderHandler):
    """GET: whose server this is, so the frontend shows the instructors' panel only on theirs."""

    @tornado.web.authenticated
    @authorized("read")
    async def get(self):
        from .. import __version__

        self.finish(json.dumps({"instructor": self.autograder.jobs is not None, "version": __version__}))


class AssignmentsHandler(AutograderHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def get(self):
        if not self.instructor_only():
            return
        from .overview import course_overview

        assignments = await tornado.ioloop.IOLoop.current().run_in_executor(None, course_overview, self.autograder.root)
        jobs = self.autograder.jobs
        for entry in assignments:
            running = jobs.running(entry["assignment"])
            entry["job"] = running.id if running else None
        self.finish(json.dumps({"assignments": assignments}))


class JobsHandler(AutograderHandler):
    """POST {"command", "assignment"}: start a job (202); GET: every job of this server."""

    @tornado.web.authenticated
    @authorized("execute")
    async def post(self):
        if not self.instructor_only():
            return
        try:
            body = self.body()
        except PathRefused as refused:
            return self.fail(refused.status, str(refused))
        assignment = self.assignment_or_fail(body.get("assignment"))
        if assignment is None:
            return
        try:
            job = await self.autograder.jobs.start(body.get("command"), assignment)
        except ValueError as error:
            return self.fail(400, str(error))
        except (JobRefused, AutograderError) as refused:
            return self.fail(409, str(refused))
        self.set_status(202)
        self.finish(json.dumps(job.to_dict()))

    @tornado.web.authenticated
    @authorized("read")
    async def get(self):
        if not self.instructor_only():
            return
        self.finish(json.dumps({"jobs": [job.to_dict() for job in self.autograder.jobs.jobs.values()]}))


class JobHandler(AutograderHandler):
    @tornado.web.authenticated
    @authorized("read")
    async def get(self, job_id):
        if not self.instructor_only():
            return
        job = self.autograder.jobs.jobs.get(job_id)
        if job is None:
            return self.fail(404, f"no job {job_id} on this server (jobs are kept while the server runs)")
        self.finish(json.dumps(job.to_dict()))


class ReportHandler(AutograderHandler):
    """GET: the class report page that `autograder report` wrote, with a CSP that runs no script."""

    @tornado.web.authenticated
    @authorized("read")
    async def get(self, assignment):
        if not self.instructor_only():
            return
        if self.assignment_or_fail(assignment) is None:
            return
        from ..course import Course

        path = Course(self.autograder.root).report(assignment, "report.html")
        try:
            page = read_regular_file(path)
        except FileNotFoundError:
            return self.fail(
                404, f"no class report for {assignment} yet: run the report job (autograder report {assignment})"
            )
        except OSError as error:
            return self.fail(403, f"reports/{os.path.basename(path)} cannot be read: {error.strerror or error}")
        self.set_header("Content-Security-Policy", REPORT_CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        # APIHandler.finish sets its own Content-Type (JSON) unless it is told which.
        self.finish(page, set_content_type="text/html; charset=utf-8")


def handlers(base_url):
    from jupyter_server.utils import url_path_join

    api = url_path_join(base_url, "autograder", "api")
    return [
        (url_path_join(api, "check"), CheckHandler),
        (url_path_join(api, "check", "prepare"), PrepareHandler),
        (url_path_join(api, "role"), RoleHandler),
        (url_path_join(api, "assignments"), AssignmentsHandler),
        (url_path_join(api, "jobs"), JobsHandler),
        (url_path_join(api, "jobs", r"([0-9]+)"), JobHandler),
        (url_path_join(api, "report", r"([^/]+)"), ReportHandler),
    ]
