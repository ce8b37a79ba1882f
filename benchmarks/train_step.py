"""Time one training step of the reference numpy network against PyTorch on the CPU.

Why: the course's reference network (``course.fc_net.FullyConnectedNet`` trained with
``course.optim.adam``) is what students' code is graded against and what the course
notebooks train with. The yardstick is the same MLP in PyTorch on the CPU, with the same
thread count. The reference is also the solution code that students and graders read,
so it is written as lecture notes, not tuned: every update rule is its formula (fresh
arrays, no in-place scratch buffers), the network is the plain CS231n loop over the
``layer_utils`` sandwiches (so the first layer's gradient with respect to X is computed
and dropped, as in CS231n), and the L2 loop runs even at reg 0. The ratio tells what
that clarity costs; it is not a reason to put speed tricks into course/ (speed work
belongs here, in benchmarks/). What it must never hide is a wrong reference: the float32
audit below fails the run on any float64 upcast. Adam's elementwise work is done by
numpy in one thread and by PyTorch in all of them: with OMP_NUM_THREADS=1 (how grading
workers run) the ratio is lower than with two threads.

What one step is, on both sides: forward, backward and an Adam update (lr 1e-3,
betas 0.9/0.999, eps 1e-8) of every parameter, for the MLP
3072 -> 100 -> ReLU -> 100 -> ReLU -> 10 with a softmax cross-entropy loss, on one
float32 batch of 200 random examples (labels 0..9) from a seeded numpy RNG. The numpy
side keeps one Adam config dict per parameter between steps, as course/solver.py does.

Both are measured in the same run, in interleaved repeats (numpy first on even
repeats, torch first on odd ones) after a warm-up, each timed block preceded by 0.2 s
of untimed steps of the same library (see ``time_steps``), and the median ms per step
over the repeats is reported. The timings mean something only on an otherwise idle
machine: the script measures how much CPU other processes used while it timed and
warns when they used more than a tenth of a CPU. Before timing, one numpy step is
audited: every parameter, gradient, Adam moment, layer output and cache must stay
float32 (a silent float64 upcast fails the run).

Run from the repository root::

    .venv/bin/python benchmarks/train_step.py [--repeats 7] [--steps 50] [--preroll 0.2]

torch is optional (``pip install torch==2.13.0`` or ``pip install -e '.[bench]'``):
without it the numpy numbers are still printed and the last line is
``ratio_vs_torch: n/a``. With it, the last line is ``ratio_vs_torch: X.XX``
(our median time / torch's median time).
"""

import os
import sys

# Run as a script from anywhere: make the repository root (parent of benchmarks/)
# importable, so `import course` finds the reference package.
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402

import course.fc_net as fc_net  # noqa: E402
import course.layer_utils as layer_utils  # noqa: E402
from course.fc_net import FullyConnectedNet  # noqa: E402
from course.optim import adam  # noqa: E402

BATCH = 200
INPUT_DIM = 3072
HIDDEN_DIMS = [100, 100]
NUM_CLASSES = 10
LEARNING_RATE = 1e-3
DTYPE = np.float32
TORCH_INSTALL_HINT = "pip install torch==2.13.0  (or: pip install -e '.[bench]')"


def step_flops(n=BATCH, dims=(INPUT_DIM, *HIDDEN_DIMS, NUM_CLASSES), input_grad=True):
    """Matmul FLOPs of one training step (a multiply-add counts as 2 FLOPs).

    With layer sizes d_0 = 3072, d_1 = 100, d_2 = 100, d_3 = 10 and batch N:
      forward   F  = 2 * N * sum_i d_{i-1} * d_i   (X_i @ W_i)
      backward  dW = F                              (X_i.T @ dout_i)
      backward  dX = F                              (dout_i @ W_i.T)
      total        = 3 * F
    input_grad=False leaves out layer 1's dX (2 * N * d_0 * d_1), which nothing uses:
    PyTorch skips it (X does not require grad); the reference computes it, as CS231n's
    code does. For N = 200: F = 127.28 MFLOP, total = 381.84 MFLOP with layer 1's dX
    and 258.96 MFLOP without it. Elementwise work (bias, ReLU, softmax, Adam) is not
    counted.
    """
    forward = 2 * n * sum(a * b for a, b in zip(dims[:-1], dims[1:], strict=True))
    total = 3 * forward
    return total if input_grad else total - 2 * n * dims[0] * dims[1]


def make_data(seed=0):
    """One float32 batch (BATCH, 3072) and int64 labels in 0..9, from a seeded RNG."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((BATCH, INPUT_DIM), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, size=BATCH)
    return X, y


def make_numpy_model():
    """The reference network and one Adam config per parameter (as Solver keeps them)."""
    model = FullyConnectedNet(
        HIDDEN_DIMS,
        input_dim=INPUT_DIM,
        num_classes=NUM_CLASSES,
        dtype=DTYPE,
        weight_scale=1e-2,
        seed=0,
    )
    configs = {name: {"learning_rate": LEARNING_RATE} for name in model.params}
    return model, configs


def numpy_step(model, configs, X, y):
    """One training step: loss and grads, then Adam on every parameter."""
    loss, grads = model.loss(X, y)
    params = model.params
    for name, w in params.items():
        next_w, next_config = adam(w, grads[name], configs[name])
        params[name] = next_w
        configs[name] = next_config
    return loss, grads


# ---------------------------------------------------------------------------- audit


def _non_float32(value, where, found):
    """Collect every floating array/scalar in value (recursively) that is not float32."""
    if isinstance(value, (np.ndarray, np.generic)):
        if np.issubdtype(value.dtype, np.floating) and value.dtype != DTYPE:
            found.append(f"{where}: {value.dtype}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            _non_float32(item, f"{where}[{i}]", found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _non_float32(item, f"{where}[{key!r}]", found)
    return found


def dtype_audit(X, y):
    """Run one numpy step on a fresh model with every layer function wrapped.

    Checks every layer output and cache, the loss, every gradient, every parameter
    and every Adam moment after the step. Returns a one-line summary; raises
    SystemExit if anything floating is not float32.
    """
    model, configs = make_numpy_model()
    found = []
    calls = 0
    originals = {}

    def wrap(name, fn):
        def checked(*args, **kwargs):
            nonlocal calls
            calls += 1
            out = fn(*args, **kwargs)
            _non_float32(out, f"{name}() output", found)
            return out

        return checked

    # Every layer and sandwich function that fc_net calls by name, and every layer
    # function that the sandwiches call by name inside layer_utils.
    package = fc_net.__name__.rpartition(".")[0]
    layers_module, utils_module = f"{package}.layers", f"{package}.layer_utils"
    for module in (fc_net, layer_utils):
        for name, value in list(vars(module).items()):
            if callable(value) and getattr(value, "__module__", "") in (layers_module, utils_module):
                originals[module, name] = value
                setattr(module, name, wrap(f"{module.__name__.rpartition('.')[2]}.{name}", value))
    try:
        _non_float32(X, "X", found)
        loss, grads = numpy_step(model, configs, X, y)
    finally:
        for (module, name), fn in originals.items():
            setattr(module, name, fn)

    if not isinstance(loss, (float, np.floating)):
        found.append(f"loss: {type(loss).__name__}")
    elif isinstance(loss, np.floating) and loss.dtype != DTYPE:
        found.append(f"loss: {loss.dtype}")
    _non_float32(grads, "grads", found)
    _non_float32(model.params, "params", found)
    for name, config in configs.items():
        for key in ("m", "v"):
            _non_float32(config[key], f"adam[{name!r}][{key!r}]", found)
    checked_arrays = len(grads) + len(model.params) + 2 * len(configs)
    if found:
        print("dtype audit: FAILED, not float32:", file=sys.stderr)
        for item in found:
            print(f"  {item}", file=sys.stderr)
        raise SystemExit(f"dtype audit failed: {len(found)} non-float32 value(s)")
    if calls == 0:
        raise SystemExit(
            f"dtype audit could not look inside the step: fc_net called no function of "
            f"{layers_module} or {utils_module} by name; update dtype_audit() in {__file__}"
        )
    return (
        f"dtype audit: OK, all float32 ({calls} layer calls' outputs and caches, "
        f"{checked_arrays} params/grads/Adam moments, loss {type(loss).__name__})"
    )


# ---------------------------------------------------------------------------- torch


def make_torch_step(torch, model_np, X, y):
    """The same MLP in PyTorch, initialised with the numpy model's initial weights."""
    nn = torch.nn
    layers = [
        nn.Linear(INPUT_DIM, HIDDEN_DIMS[0]),
        nn.ReLU(),
        nn.Linear(HIDDEN_DIMS[0], HIDDEN_DIMS[1]),
        nn.ReLU(),
        nn.Linear(HIDDEN_DIMS[1], NUM_CLASSES),
    ]
    net = nn.Sequential(*layers).to(torch.float32)
    with torch.no_grad():
        linears = [layer for layer in layers if isinstance(layer, nn.Linear)]
        for i, linear in enumerate(linears, start=1):
            # nn.Linear stores W as (out, in); ours is (in, out).
            linear.weight.copy_(torch.from_numpy(model_np.params[f"W{i}"].T.copy()))
            linear.bias.copy_(torch.from_numpy(model_np.params[f"b{i}"]))
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y)
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = cross_entropy(net(Xt), yt)
        loss.backward()
        optimizer.step()
        return loss

    return step


# ---------------------------------------------------------------------------- timing


def time_steps(step, steps, preroll=0.0):
    """Milliseconds per step over `steps` consecutive steps, after `preroll` s of untimed steps.

    The untimed steps let the other library's worker threads go to sleep while this
    one keeps the cores busy: OpenBLAS's pthreads spin for about 0.1 s after their
    last call (THREAD_TIMEOUT, 2**28 cycles) and OpenMP's spin too; on 2 cores a
    spinning thread takes a whole core from whichever library runs next (seen here:
    torch 40-60% slower right after a numpy block). Sleeping instead of pre-rolling
    made both sides slower and noisier here.
    """
    end = time.perf_counter() + preroll
    while True:
        step()
        if time.perf_counter() >= end:
            break
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) * 1e3 / steps


def blas_info():
    """numpy's BLAS libraries and thread counts, via threadpoolctl (None if absent)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


def _cpu_snapshot():
    """(busy CPU-seconds of the whole machine, CPU-seconds of this process), or None.

    The machine's figure comes from /proc/stat (Linux only): all time that was not
    idle or iowait, steal included, since a stolen CPU is a CPU we did not get.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    busy = (sum(fields[:8]) - idle) / hz  # user..steal; guest is already in user
    times = os.times()
    return busy, times.user + times.system


def other_load(start, end, wall):
    """Average number of CPUs that other processes kept busy between two snapshots."""
    if start is None or end is None or wall <= 0:
        return None
    return max(0.0, (end[0] - start[0]) - (end[1] - start[1])) / wall


def max_rss_mib():
    """Peak resident set size of this process so far, in MiB (Linux: ru_maxrss in KiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (default 7)")
    parser.add_argument("--steps", type=int, default=50, help="steps per repeat (default 50)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed steps first (default 10)")
    parser.add_argument(
        "--preroll",
        type=float,
        default=0.2,
        help="seconds of untimed steps before each timed block, so the other "
        "library's spinning BLAS/OpenMP threads are asleep (default 0.2)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.steps < 1 or args.warmup < 0 or args.preroll < 0:
        parser.error("--repeats and --steps must be >= 1, --warmup and --preroll >= 0")

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, batch {BATCH}, MLP {INPUT_DIM}-"
        f"{'-'.join(map(str, HIDDEN_DIMS))}-{NUM_CLASSES}, float32, Adam lr {LEARNING_RATE}"
    )

    # numpy's BLAS, read before torch loads its own OpenMP/BLAS runtimes.
    blas = blas_info()
    if blas is None:
        threads = os.cpu_count() or 1
        print(f"numpy BLAS: unknown (threadpoolctl absent); assuming {threads} threads")
    elif not blas:
        threads = 1
        print("numpy BLAS: none found by threadpoolctl; assuming 1 thread")
    else:
        for info in blas:
            library = os.path.basename(info.get("filepath", ""))
            print(
                f"numpy BLAS: {info.get('internal_api')} {info.get('version')} "
                f"({info.get('architecture')}, {info.get('threading_layer')}), "
                f"{info.get('num_threads')} threads, {library}"
            )
        threads = blas[0]["num_threads"]

    X, y = make_data(seed=0)
    print(dtype_audit(X, y))

    model, configs = make_numpy_model()
    ours = lambda: numpy_step(model, configs, X, y)  # noqa: E731
    for _ in range(args.warmup):
        ours()

    # Peak of numpy allocations during one step (tracemalloc sees numpy's buffers).
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    ours()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_numpy = max_rss_mib()

    try:
        import torch
    except (ImportError, OSError) as exc:  # OSError: a torch whose shared libraries fail to load
        torch = None
        print(f"torch: absent ({exc.__class__.__name__}: {exc}); to compare, install it: {TORCH_INSTALL_HINT}")

    theirs = None
    if torch is not None:
        torch.set_num_threads(threads)
        print(f"torch {torch.__version__}: {torch.get_num_threads()} threads (set to match numpy's BLAS)")
        torch_model, _ = make_numpy_model()
        theirs = make_torch_step(torch, torch_model, X, y)
        for _ in range(args.warmup):
            theirs()

    ours_ms, theirs_ms = [], []
    cpu_start, wall_start = _cpu_snapshot(), time.perf_counter()
    for r in range(args.repeats):
        order = ["ours", "theirs"] if r % 2 == 0 else ["theirs", "ours"]
        for who in order:
            if who == "ours":
                ours_ms.append(time_steps(ours, args.steps, args.preroll))
            elif theirs is not None:
                theirs_ms.append(time_steps(theirs, args.steps, args.preroll))

    load = other_load(cpu_start, _cpu_snapshot(), time.perf_counter() - wall_start)

    flops = step_flops()  # the reference computes layer 1's dX too
    torch_flops = step_flops(input_grad=False)
    ours_med = statistics.median(ours_ms)
    print(
        f"repeats {args.repeats} x {args.steps} steps after {args.warmup} warm-up steps, "
        f"interleaved, each after {args.preroll:g} s of untimed steps; median ms per step"
    )
    print(f"numpy ms/step: {ours_med:.3f}  (repeats: {', '.join(f'{t:.3f}' for t in ours_ms)})")
    print(
        f"numpy GFLOP/s: {flops / (ours_med * 1e-3) / 1e9:.2f}  "
        f"({flops / 1e6:.2f} MFLOP of matmuls per step, layer 1's unused dX included)"
    )
    print(
        f"numpy step peak memory: {(peak - base) / 2**20:.2f} MiB allocated at once "
        f"during one step (tracemalloc, numpy buffers included)"
    )
    print(f"max RSS before torch: {rss_numpy:.1f} MiB")
    if load is not None:
        # BLAS and OpenMP threads spin and wait for each other: on a machine whose
        # cores other processes keep busy, a step can take 10-50x longer.
        print(
            f"other processes' CPU load during timing: {load:.2f} of {os.cpu_count()} CPUs"
            + ("  WARNING: the machine was busy, timings are unreliable; rerun when idle" if load > 0.1 else "")
        )
    if theirs is None:
        print(f"max RSS: {max_rss_mib():.1f} MiB")
        print("ratio_vs_torch: n/a")
        return 0

    theirs_med = statistics.median(theirs_ms)
    print(f"torch ms/step: {theirs_med:.3f}  (repeats: {', '.join(f'{t:.3f}' for t in theirs_ms)})")
    print(
        f"torch GFLOP/s: {torch_flops / (theirs_med * 1e-3) / 1e9:.2f}  "
        f"({torch_flops / 1e6:.2f} MFLOP of matmuls per step: no dX for layer 1)"
    )
    print(f"max RSS (with torch): {max_rss_mib():.1f} MiB")
    print(f"ratio_vs_torch: {ours_med / theirs_med:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
