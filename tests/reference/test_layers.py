"""Every layer's backward pass against centred-difference numerical gradients."""

import numpy as np
import pytest
from gradients import assert_gradient_close

from course import layer_utils, layers
from course.gradient_check import eval_numerical_gradient_array, rel_error

TOL = 1e-6


def away_from_zero(x, margin=1e-2):
    """Move entries off the ReLU kink so that a finite difference never straddles it."""
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin, x)


def check_backward(forward, inputs, backward_outputs, dout):
    """Numerical gradient of sum(forward(*inputs) * dout) w.r.t. each input vs the analytic ones."""
    for i, x in enumerate(inputs):

        def f(value, i=i):
            args = list(inputs)
            args[i] = value
            return forward(*args)

        numeric = eval_numerical_gradient_array(f, x.copy(), dout)
        assert_gradient_close(numeric, backward_outputs[i], TOL, f"input {i}")


def test_affine_forward_matches_cs231n_reference_values():
    # The CS231n notebook's fixed input: linspace data with shape (2, 4, 5, 6).
    num_inputs, input_shape, output_dim = 2, (4, 5, 6), 3
    input_size = num_inputs * np.prod(input_shape)
    weight_size = output_dim * np.prod(input_shape)
    x = np.linspace(-0.1, 0.5, num=input_size).reshape(num_inputs, *input_shape)
    w = np.linspace(-0.2, 0.3, num=weight_size).reshape(np.prod(input_shape), output_dim)
    b = np.linspace(-0.3, 0.1, num=output_dim)
    out, _ = layers.affine_forward(x, w, b)
    correct_out = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(out, correct_out) < 1e-8


def test_affine_backward_on_multidimensional_input():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    _, cache = layers.affine_forward(x, w, b)
    dx, dw, db = layers.affine_backward(dout, cache)
    assert dx.shape == x.shape
    check_backward(lambda *a: layers.affine_forward(*a)[0], [x, w, b], [dx, dw, db], dout)


def test_relu_forward_and_backward():
    rng = np.random.default_rng(1)
    x = away_from_zero(rng.standard_normal((6, 7)))
    out, cache = layers.relu_forward(x)
    assert np.array_equal(out, np.maximum(x, 0))
    dout = rng.standard_normal(x.shape)
    dx = layers.relu_backward(dout, cache)
    check_backward(lambda v: layers.relu_forward(v)[0], [x], [dx], dout)


@pytest.mark.parametrize("loss_fn, expected", [(layers.softmax_loss, np.log(10)), (layers.svm_loss, 9.0)])
def test_losses_value_at_small_scores_and_gradient(loss_fn, expected):
    rng = np.random.default_rng(2)
    x = 0.001 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    loss, dx = loss_fn(x, y)
    # Nearly equal scores: softmax gives ln(C), the SVM gives C - 1 margins of ~1.
    assert abs(loss - expected) < 0.05
    numeric = eval_numerical_gradient_array(lambda v: np.array(loss_fn(v, y)[0]), x.copy(), 1.0)
    assert_gradient_close(numeric, dx, TOL, "dx")


def test_softmax_loss_is_stable_for_large_scores():
    x = np.array([[1000.0, 0.0, -1000.0]])
    loss, dx = layers.softmax_loss(x, np.array([0]))
    assert np.isfinite(loss) and loss < 1e-6
    assert np.all(np.isfinite(dx))


def test_dropout_keeps_expected_activation_and_is_identity_at_test_time():
    x = np.random.default_rng(3).standard_normal((500, 500)) + 10
    for p in (0.25, 0.5, 0.75):
        out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
        assert abs(out.mean() - x.mean()) / x.mean() < 0.01  # inverted: no rescale needed later
        assert abs((out == 0).mean() - (1 - p)) < 0.01
        out_test, _ = layers.dropout_forward(x, {"mode": "test", "p": p})
        assert np.array_equal(out_test, x)


def test_dropout_backward_with_seed():
    rng = np.random.default_rng(4)
    x, dout = rng.standard_normal((10, 10)) + 10, rng.standard_normal((10, 10))
    param = {"mode": "train", "p": 0.2, "seed": 123}
    _, cache = layers.dropout_forward(x, param)
    dx = layers.dropout_backward(dout, cache)
    check_backward(lambda v: layers.dropout_forward(v, param)[0], [x], [dx], dout)


def test_dropout_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        layers.dropout_forward(np.ones(3), {"mode": "eval", "p": 0.5})


@pytest.mark.parametrize("backward", [layers.batchnorm_backward, layers.batchnorm_backward_alt])
def test_batchnorm_backward(backward):
    rng = np.random.default_rng(5)
    n, d = 4, 5
    x = 5 * rng.standard_normal((n, d)) + 12
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    param = {"mode": "train"}
    _, cache = layers.batchnorm_forward(x, gamma, beta, param)
    dx, dgamma, dbeta = backward(dout, cache)
    check_backward(
        lambda *a: layers.batchnorm_forward(*a, {"mode": "train"})[0],
        [x, gamma, beta],
        [dx, dgamma, dbeta],
        dout,
    )


def test_batchnorm_train_normalises_and_test_uses_running_averages():
    rng = np.random.default_rng(6)
    d = 3
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    param = {"mode": "train"}
    x = 50 + 10 * rng.standard_normal((200, d))
    out, _ = layers.batchnorm_forward(x, gamma, beta, param)
    assert np.allclose(out.mean(axis=0), beta, atol=1e-7)
    assert np.allclose(out.std(axis=0), gamma, atol=1e-4)
    for _ in range(100):
        layers.batchnorm_forward(50 + 10 * rng.standard_normal((200, d)), gamma, beta, param)
    param["mode"] = "test"
    x_test = 50 + 10 * rng.standard_normal((500, d))
    out_test, _ = layers.batchnorm_forward(x_test, np.ones(d), np.zeros(d), param)
    assert np.allclose(out_test.mean(axis=0), 0, atol=0.15)
    assert np.allclose(out_test.std(axis=0), 1, atol=0.15)


def test_layernorm_forward_and_backward():
    rng = np.random.default_rng(7)
    n, d = 4, 5
    x = 5 * rng.standard_normal((n, d)) + 12
    gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
    out, cache = layers.layernorm_forward(x, np.ones(d), np.zeros(d), {})
    assert np.allclose(out.mean(axis=1), 0, atol=1e-7)
    assert np.allclose(out.std(axis=1), 1, atol=1e-4)
    dout = rng.standard_normal((n, d))
    _, cache = layers.layernorm_forward(x, gamma, beta, {})
    dx, dgamma, dbeta = layers.layernorm_backward(dout, cache)
    check_backward(lambda *a: layers.layernorm_forward(*a, {})[0], [x, gamma, beta], [dx, dgamma, dbeta], dout)


def test_affine_relu_sandwich():
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((12, 10)), rng.standard_normal(10)
    out, cache = layer_utils.affine_relu_forward(x, w, b)
    assert np.array_equal(out, np.maximum(layers.affine_forward(x, w, b)[0], 0))
    dout = rng.standard_normal(out.shape)
    grads = layer_utils.affine_relu_backward(dout, cache)
    check_backward(lambda *a: layer_utils.affine_relu_forward(*a)[0], [x, w, b], list(grads), dout)


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_affine_norm_relu_sandwich(normalization):
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((4, 6)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)

    def forward(x, w, b, gamma, beta):
        return layer_utils.affine_norm_relu_forward(x, w, b, gamma, beta, {"mode": "train"}, normalization)[0]

    out = forward(x, w, b, gamma, beta)
    _, cache = layer_utils.affine_norm_relu_forward(x, w, b, gamma, beta, {"mode": "train"}, normalization)
    dout = rng.standard_normal(out.shape)
    grads = layer_utils.affine_norm_relu_backward(dout, cache)
    check_backward(forward, [x, w, b, gamma, beta], list(grads), dout)


def test_layers_keep_float32():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((8, 6)).astype(np.float32)
    w = rng.standard_normal((6, 4)).astype(np.float32)
    b = np.zeros(4, np.float32)
    out, cache = layers.affine_forward(x, w, b)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layers.affine_backward(out, cache))
    loss, dx = layers.softmax_loss(out, np.arange(8) % 4)
    assert dx.dtype == np.float32 and np.asarray(loss).dtype == np.float32
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1})
    assert out.dtype == np.float32


def test_affine_norm_relu_rejects_an_unknown_normalization():
    x, w, b = np.ones((2, 3)), np.ones((3, 4)), np.zeros(4)
    with pytest.raises(ValueError, match="normalization must be 'batchnorm' or 'layernorm'"):
        layer_utils.affine_norm_relu_forward(x, w, b, np.ones(4), np.zeros(4), {}, "groupnorm")
