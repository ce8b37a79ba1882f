"""Sandwich layers: common sequences of layers as one forward/backward pair.

A fully connected network repeats the same hidden block, affine - [normalization] -
ReLU, once per hidden layer. Writing the block once here means the network's loop
calls one forward and one backward per block, keeps one cache per block, and cannot
get the order of the backward steps wrong: each backward undoes its forward in
reverse order. Names and signatures are those of CS231n's ``layer_utils``.
"""

from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
)


def affine_relu_forward(x, w, b):
    """Affine transform followed by a ReLU.

    Returns (out, cache): out = max(0, x @ w + b); cache holds both layers' caches
    for ``affine_relu_backward``.
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Backward pass of ``affine_relu_forward``: ReLU first, then affine.

    Returns (dx, dw, db).
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """Affine - batchnorm or layernorm - ReLU, the hidden block of a normalised network.

    normalization is "batchnorm" or "layernorm"; norm_param is that layer's
    bn_param / ln_param (batchnorm keeps its running averages in it).

    Returns (out, cache); the cache remembers which normalization ran, for the backward.
    """
    a, fc_cache = affine_forward(x, w, b)
    if normalization == "batchnorm":
        a_norm, norm_cache = batchnorm_forward(a, gamma, beta, norm_param)
    elif normalization == "layernorm":
        a_norm, norm_cache = layernorm_forward(a, gamma, beta, norm_param)
    else:
        raise ValueError(f"normalization must be 'batchnorm' or 'layernorm', got {normalization!r}")
    out, relu_cache = relu_forward(a_norm)
    cache = (fc_cache, norm_cache, relu_cache, normalization)
    return out, cache


def affine_norm_relu_backward(dout, cache):
    """Backward pass of ``affine_norm_relu_forward``: ReLU, then the normalization, then affine.

    Returns (dx, dw, db, dgamma, dbeta).
    """
    fc_cache, norm_cache, relu_cache, normalization = cache
    da_norm = relu_backward(dout, relu_cache)
    if normalization == "batchnorm":
        da, dgamma, dbeta = batchnorm_backward_alt(da_norm, norm_cache)
    else:
        da, dgamma, dbeta = layernorm_backward(da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
