"""Update rules against hand-derived cases; state in config; callers' arrays untouched."""

import numpy as np
import pytest

from course import optim
from course.gradient_check import rel_error

RULES = [optim.sgd, optim.sgd_momentum, optim.nesterov_momentum, optim.adagrad, optim.rmsprop, optim.adam]


def cs231n_inputs():
    """The fixed 4 x 5 linspace inputs of the CS231n 2021 notebook's optimiser checks."""
    n, d = 4, 5
    w = np.linspace(-0.4, 0.6, num=n * d).reshape(n, d)
    dw = np.linspace(-0.6, 0.4, num=n * d).reshape(n, d)
    state = np.linspace(0.6, 0.9, num=n * d).reshape(n, d)
    return w, dw, state


def test_sgd_momentum_reproduces_the_cs231n_notebook_check():
    w, dw, v = cs231n_inputs()
    next_w, config = optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    # Element [0, 0] by hand: v = 0.9 * 0.6 - 1e-3 * (-0.6) = 0.5406; w = -0.4 + 0.5406.
    assert next_w[0, 0] == pytest.approx(0.1406)
    assert config["velocity"][0, 0] == pytest.approx(0.5406)
    # The values CS231n's notebook prints its errors against, to its 8 digits.
    expected_next_w = np.array(
        [
            [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
            [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
            [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
            [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096],
        ]
    )
    expected_velocity = np.array(
        [
            [0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
            [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
            [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
            [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096],
        ]
    )
    # The seed's printed errors: next_w error 8.88e-09, velocity error 4.27e-09.
    assert rel_error(next_w, expected_next_w) == pytest.approx(8.88e-9, rel=1e-3)
    assert rel_error(config["velocity"], expected_velocity) == pytest.approx(4.27e-9, rel=1e-3)


def test_sgd_momentum_two_steps_from_rest():
    w, dw = np.array([1.0]), np.array([2.0])
    config = {"learning_rate": 0.1, "momentum": 0.5}
    w1, config = optim.sgd_momentum(w, dw, config)  # v = -0.2, w = 0.8
    w2, config = optim.sgd_momentum(w1, dw, config)  # v = 0.5 * -0.2 - 0.2 = -0.3, w = 0.5
    assert w1[0] == pytest.approx(0.8) and w2[0] == pytest.approx(0.5)
    assert config["velocity"][0] == pytest.approx(-0.3)


def test_nesterov_momentum_uses_the_look_ahead_form():
    w, dw = np.array([1.0]), np.array([2.0])
    config = {"learning_rate": 0.1, "momentum": 0.5}
    # Step 1: v_prev = 0, v = -0.2, w = 1 - 0.5 * 0 + 1.5 * -0.2 = 0.7
    w1, config = optim.nesterov_momentum(w, dw, config)
    # Step 2: v_prev = -0.2, v = -0.3, w = 0.7 + 0.5 * 0.2 + 1.5 * -0.3 = 0.35
    w2, config = optim.nesterov_momentum(w1, dw, config)
    assert w1[0] == pytest.approx(0.7) and w2[0] == pytest.approx(0.35)
    assert config["velocity"][0] == pytest.approx(-0.3)


def test_adagrad_accumulates_squared_gradients():
    w = np.array([1.0])
    config = {"learning_rate": 0.1, "epsilon": 0.0}
    w1, config = optim.adagrad(w, np.array([3.0]), config)  # cache 9, step 0.1 * 3 / 3
    w2, config = optim.adagrad(w1, np.array([4.0]), config)  # cache 25, step 0.1 * 4 / 5
    assert w1[0] == pytest.approx(0.9) and w2[0] == pytest.approx(0.82)
    assert config["cache"][0] == pytest.approx(25.0)


def test_rmsprop_cs231n_element_by_hand():
    w, dw, cache = cs231n_inputs()
    next_w, config = optim.rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    # [0, 0]: cache = 0.99 * 0.6 + 0.01 * 0.36 = 0.5976; w = -0.4 + 1e-2 * 0.6 / sqrt(0.5976)
    assert config["cache"][0, 0] == pytest.approx(0.5976)
    assert next_w[0, 0] == pytest.approx(-0.4 + 0.006 / np.sqrt(0.5976))
    expected_cache = 0.99 * cache + 0.01 * dw**2
    assert rel_error(config["cache"], expected_cache) < 1e-12
    assert rel_error(next_w, w - 1e-2 * dw / (np.sqrt(expected_cache) + 1e-8)) < 1e-12


def test_adam_first_step_is_learning_rate_times_sign():
    # t becomes 1 before the correction: m_hat = dw and v_hat = dw**2 exactly, so the
    # first step is lr * dw / (|dw| + eps), whatever the gradient's size.
    w = np.array([0.0, 0.0, 0.0])
    dw = np.array([1e-3, -5.0, 200.0])
    next_w, config = optim.adam(w, dw, {"learning_rate": 0.01})
    assert np.allclose(next_w, [-0.01, 0.01, -0.01], rtol=1e-5)
    assert config["t"] == 1
    assert np.allclose(config["m"], 0.1 * dw) and np.allclose(config["v"], 0.001 * dw**2)


def test_adam_second_step_by_hand():
    w, config = np.array([1.0]), {"learning_rate": 0.1, "epsilon": 0.0}
    w1, config = optim.adam(w, np.array([1.0]), config)
    w2, config = optim.adam(w1, np.array([3.0]), config)
    m = 0.9 * 0.1 + 0.1 * 3  # 0.39
    v = 0.999 * 0.001 + 0.001 * 9  # 0.009999
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert config["t"] == 2
    assert w2[0] == pytest.approx(0.9 - 0.1 * m_hat / np.sqrt(v_hat))


def adam_by_the_formula(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam written out independently, in float64, straight from the paper's algorithm."""
    t = t + 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v, t


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_adam_matches_the_formula_over_several_steps(dtype, tol):
    rng = np.random.default_rng(7)
    w = rng.standard_normal((4, 6)).astype(dtype)
    config = {"learning_rate": 1e-2, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}
    w_ref = w.astype(np.float64)
    m_ref = v_ref = np.zeros_like(w_ref)
    t_ref = 0
    for _ in range(6):
        dw = rng.standard_normal(w.shape).astype(dtype)
        w, config = optim.adam(w, dw, config)
        w_ref, m_ref, v_ref, t_ref = adam_by_the_formula(
            w_ref, dw.astype(np.float64), m_ref, v_ref, t_ref, 1e-2, 0.8, 0.99, 1e-6
        )
        assert w.dtype == config["m"].dtype == config["v"].dtype == dtype
        assert config["t"] == t_ref
        assert rel_error(w, w_ref) < tol
        assert rel_error(config["m"], m_ref) < tol and rel_error(config["v"], v_ref) < tol


def test_adam_leaves_moments_handed_in_by_the_caller_untouched():
    # The CS231n notebook check passes its own m and v arrays in config.
    w, dw, m = cs231n_inputs()
    v = np.linspace(0.7, 0.5, num=20).reshape(4, 5)
    m_before, v_before = m.copy(), v.copy()
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    assert np.array_equal(m, m_before) and np.array_equal(v, v_before)
    expected_w, expected_m, expected_v, _ = adam_by_the_formula(w, dw, m, v, 5, lr=1e-2)
    assert rel_error(next_w, expected_w) < 1e-12
    assert rel_error(config["m"], expected_m) < 1e-12
    assert rel_error(config["v"], expected_v) < 1e-12


def test_defaults_match_cs231n():
    w, dw = np.ones(2), np.ones(2)
    assert optim.sgd(w, dw)[1] == {"learning_rate": 1e-2}
    momentum = optim.sgd_momentum(w, dw)[1]
    assert (momentum["learning_rate"], momentum["momentum"]) == (1e-2, 0.9)
    rms = optim.rmsprop(w, dw)[1]
    assert (rms["learning_rate"], rms["decay_rate"], rms["epsilon"]) == (1e-2, 0.99, 1e-8)
    adam = optim.adam(w, dw)[1]
    assert (adam["learning_rate"], adam["beta1"], adam["beta2"], adam["epsilon"]) == (1e-3, 0.9, 0.999, 1e-8)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_callers_arrays_are_never_modified(rule):
    rng = np.random.default_rng(0)
    w, dw = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    w_before, dw_before = w.copy(), dw.copy()
    config = None
    for _ in range(3):
        next_w, config = rule(w, dw, config)
        assert next_w is not w
        assert np.array_equal(w, w_before) and np.array_equal(dw, dw_before)
    # State arrays handed out by the last call are replaced on the next step, never
    # overwritten in place: every rule is written as its formula.
    held = {k: v for k, v in config.items() if isinstance(v, np.ndarray)}
    copies = {k: v.copy() for k, v in held.items()}
    rule(w, dw, config)
    for key, array in held.items():
        assert np.array_equal(array, copies[key]), key


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_float32_stays_float32(rule):
    w = np.ones((2, 3), np.float32)
    config = None
    for _ in range(3):  # the first step creates the state, later steps update it
        w, config = rule(w, np.full((2, 3), 0.5, np.float32), config)
        assert w.dtype == np.float32
        assert all(v.dtype == np.float32 for v in config.values() if isinstance(v, np.ndarray))
