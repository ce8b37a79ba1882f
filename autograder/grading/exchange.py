"""``nbgrader collect`` that reads a submission the way our intake does.

nbgrader's collect copies each submission from the exchange's inbound folder (writable
by every student) with ``shutil.copytree``, which follows symbolic links to files and
folders with the collector's privileges, and takes the student id from the folder's
name, which any student chooses: a folder named ``..+fc_nets+...`` would be collected
into ``submitted/../fc_nets``. ``SafeExchangeCollect`` (set as
``c.ExchangeFactory.collect``) refuses unsafe ids and copies plain regular files only,
logging what it refused, within the course's size limits.
"""

import fnmatch
import os

from nbgrader.exchange.default.collect import ExchangeCollect

from ..files import read_regular_files, unsafe_student_id, write_files


class SafeExchangeCollect(ExchangeCollect):
    """nbgrader's collect without following links or trusting folder names."""

    def init_src(self):
        super().init_src()
        kept = []
        for record in self.src_records:
            reason = unsafe_student_id(record["username"])
            if reason:
                self.log.error("Not collecting %r: the student id is %s", record["filename"], reason)
            else:
                kept.append(record)
        self.src_records = kept

    def _wanted(self, relative):
        name = os.path.basename(relative)
        if any(fnmatch.fnmatch(part, glob) for part in relative.split(os.sep) for glob in self.coursedir.ignore):
            return False
        return not self.coursedir.include or any(fnmatch.fnmatch(name, glob) for glob in self.coursedir.include)

    def do_copy(self, src, dest, log=None):
        contents = read_regular_files(src, max_file_bytes=int(1000 * self.coursedir.max_file_size),
                                      max_total_bytes=int(1000 * self.coursedir.max_dir_size))
        for refused in contents.refused:
            self.log.warning("Not collected from %s: %s", src, refused)
        os.makedirs(dest, exist_ok=True)
        write_files(dest, {name: data for name, data in contents.files.items() if self._wanted(name)})
