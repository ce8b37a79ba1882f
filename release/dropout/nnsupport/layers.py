"""Layers of a fully connected network, as forward/backward pairs.

Every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward`` takes the
upstream gradient and that cache and returns the gradients of the forward's inputs.
Arrays keep the dtype they arrive in: a float32 network stays float32 end to end.

Code inside nbgrader's solution markers is what students write; the same markers
serve modules and notebooks, so one source yields both the reference and the stubs.
"""

import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer: ``out = x @ w + b`` with each example flattened.

    Inputs:
    - x: array of shape (N, d_1, ..., d_k); example i is x[i], flattened to D = d_1 * ... * d_k
    - w: weights of shape (D, M)
    - b: biases of shape (M,)

    Returns (out, cache): out of shape (N, M); cache = (x, w, b).
    """
    out = None
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Backward pass of ``affine_forward``.

    Inputs:
    - dout: upstream gradient of shape (N, M)
    - cache: (x, w, b) from the forward pass

    Returns (dx, dw, db) with the shapes of x, w and b.
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """Rectified linear unit, ``max(0, x)`` elementwise. Returns (out, cache = x)."""
    out = None
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Backward pass of ``relu_forward``: the gradient flows only where x > 0."""
    x = cache
    dx = None
    dx = dout * (x > 0)
    return dx


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss, averaged over the N examples.

    Inputs:
    - x: class scores of shape (N, C)
    - y: labels of shape (N,), 0 <= y[i] < C

    Returns (loss, dx): the scalar loss and its gradient with respect to x.
    """
    loss, dx = None, None
    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)  # same softmax, no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    dx /= n
    return loss, dx


def svm_loss(x, y):
    """Multiclass SVM (hinge) loss with margin 1, averaged over the N examples.

    Inputs and outputs as in ``softmax_loss``.
    """
    loss, dx = None, None
    n = x.shape[0]
    correct = x[np.arange(n), y][:, None]
    margins = np.maximum(0, x - correct + 1)
    margins[np.arange(n), y] = 0
    loss = margins.sum() / n
    dx = (margins > 0).astype(x.dtype)
    dx[np.arange(n), y] = -dx.sum(axis=1)
    dx /= n
    return loss, dx


def dropout_forward(x, dropout_param):
    """Inverted dropout: keep each unit with probability p and scale it by 1/p.

    dropout_param:
    - p: keep probability
    - mode: "train" drops units; "test" returns x unchanged (the 1/p scaling at
      train time keeps the expected activation the same, so test needs no rescaling)
    - seed: optional; with a seed the mask is the same on every call, which is what
      makes a gradient check of a network with dropout possible

    Returns (out, cache = (dropout_param, mask)).
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask, out = None, None
    if mode == "train":
        # YOUR CODE HERE
        raise NotImplementedError()
    elif mode == "test":
        out = x
    else:
        raise ValueError(f'dropout mode must be "train" or "test", got {mode!r}')
    cache = (dropout_param, mask)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of ``dropout_forward``."""
    dropout_param, mask = cache
    dx = None
    if dropout_param["mode"] == "train":
        # YOUR CODE HERE
        raise NotImplementedError()
    else:
        dx = dout
    return dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization over the N examples of a (N, D) input.

    Train mode normalises with the minibatch's mean and variance and updates the
    running averages ``running = momentum * running + (1 - momentum) * batch``;
    test mode normalises with the running averages.

    bn_param keys: mode ("train" or "test"), eps (1e-5), momentum (0.9),
    running_mean and running_var (created as zeros on the first call).

    Returns (out, cache).
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    n, d = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(d, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(d, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # YOUR CODE HERE
        raise NotImplementedError()
    elif mode == "test":
        # YOUR CODE HERE
        raise NotImplementedError()
    else:
        raise ValueError(f'batchnorm mode must be "train" or "test", got {mode!r}')

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, step by step through the graph.

    Returns (dx, dgamma, dbeta).
    """
    dx, dgamma, dbeta = None, None, None
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization in one simplified expression.

    Same result as ``batchnorm_backward``; the algebra collapses the graph into
    ``dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat))``.
    """
    dx, dgamma, dbeta = None, None, None
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: normalise each example over its D features.

    Unlike batch normalization it behaves the same at train and test time and
    keeps no running averages. ln_param may hold eps (1e-5).

    Returns (out, cache).
    """
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    # YOUR CODE HERE
    raise NotImplementedError()
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization: batchnorm's formula along the other axis.

    Returns (dx, dgamma, dbeta).
    """
    dx, dgamma, dbeta = None, None, None
    # YOUR CODE HERE
    raise NotImplementedError()
    return dx, dgamma, dbeta
