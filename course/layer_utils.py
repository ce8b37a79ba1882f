"""Sandwich layers: common sequences of layers as one forward/backward pair.

They save writing the same three lines again whenever a model stacks
affine - [normalization] - ReLU blocks.
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
    """Affine transform followed by a ReLU. Returns (out, cache)."""
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    return out, (fc_cache, relu_cache)


def affine_relu_backward(dout, cache):
    """Backward pass of ``affine_relu_forward``. Returns (dx, dw, db)."""
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


_NORM_FORWARD = {"batchnorm": batchnorm_forward, "layernorm": layernorm_forward}
_NORM_BACKWARD = {"batchnorm": batchnorm_backward_alt, "layernorm": layernorm_backward}


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """Affine - batchnorm or layernorm - ReLU. Returns (out, cache)."""
    a, fc_cache = affine_forward(x, w, b)
    a_norm, norm_cache = _NORM_FORWARD[normalization](a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    return out, (fc_cache, norm_cache, relu_cache, normalization)


def affine_norm_relu_backward(dout, cache):
    """Backward pass of ``affine_norm_relu_forward``. Returns (dx, dw, db, dgamma, dbeta)."""
    fc_cache, norm_cache, relu_cache, normalization = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = _NORM_BACKWARD[normalization](da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
