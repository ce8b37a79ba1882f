"""A fully connected network of any depth, in the CS231n 2021 style.

Architecture, for L = len(hidden_dims) + 1 layers:

    {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

The last affine layer produces the class scores directly: there is no ReLU after
it (clipping negative scores would bias the softmax). The L2 penalty
``0.5 * reg * sum(W**2)`` covers every weight matrix W1..WL and never the biases,
gamma or beta.
"""

import numpy as np

from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class FullyConnectedNet:
    """Multi-layer fully connected network with optional dropout and normalization.

    Learnable parameters live in ``self.params`` (W1, b1, ..., WL, bL and, with
    normalization, gamma1, beta1, ... for the hidden layers); a Solver updates them.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """Create the parameters.

        Inputs:
        - hidden_dims: list with the size of each hidden layer
        - input_dim: size of one flattened input example
        - num_classes: number of classes
        - dropout_keep_ratio: probability of keeping a unit; 1 means no dropout
        - normalization: None, "batchnorm" or "layernorm"
        - reg: L2 regularization strength
        - weight_scale: standard deviation of the normally distributed initial weights
        - dtype: every parameter and every computation uses this dtype; float64 for
          gradient checks, float32 for speed
        - seed: seeds the initial weights and the dropout masks, for reproducible runs
          and gradient checks
        """
        if normalization not in (None, "batchnorm", "layernorm"):
            raise ValueError(
                f"normalization must be None, 'batchnorm' or 'layernorm', got {normalization!r}"
            )
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((dims[i - 1], dims[i]))
            self.params[f"b{i}"] = np.zeros(dims[i])
            if normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
        ### END SOLUTION

        # Dropout and batchnorm keep per-layer state that must survive between calls.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Class scores (test mode, y is None) or (loss, grads) (train mode).

        Inputs:
        - X: input data of shape (N, d_1, ..., d_k)
        - y: labels of shape (N,), or None for test mode

        Returns scores of shape (N, C) when y is None; otherwise (loss, grads) where
        grads maps each name in self.params to the gradient of the loss.
        """
        X = np.asarray(X, dtype=self.dtype)  # no copy when X already has the model's dtype
        mode = "test" if y is None else "train"

        # Set train/test mode for batchnorm params and dropout param since they
        # behave differently during training and testing.
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        scores = None
        ### BEGIN SOLUTION
        norm_forward = {"batchnorm": batchnorm_forward, "layernorm": layernorm_forward}
        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, fc_cache = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            norm_cache = drop_cache = None
            if self.normalization is not None:
                h, norm_cache = norm_forward[self.normalization](
                    h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.bn_params[i - 1]
                )
            h, relu_cache = relu_forward(h)
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, drop_cache))
        last = self.num_layers
        scores, scores_cache = affine_forward(h, self.params[f"W{last}"], self.params[f"b{last}"])
        ### END SOLUTION

        # If test mode return early.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        ### BEGIN SOLUTION
        norm_backward = {"batchnorm": batchnorm_backward_alt, "layernorm": layernorm_backward}
        loss, dscores = softmax_loss(scores, y)
        dh, grads[f"W{last}"], grads[f"b{last}"] = affine_backward(dscores, scores_cache)
        for i in range(last - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            dh = relu_backward(dh, relu_cache)
            if self.normalization is not None:
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = norm_backward[self.normalization](
                    dh, norm_cache
                )
            if i > 1:
                dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, fc_cache)
            else:  # nothing needs the gradient with respect to X: skip its large matmul
                x = fc_cache[0]
                grads["W1"] = x.reshape(x.shape[0], -1).T @ dh
                grads["b1"] = dh.sum(axis=0)
        if self.reg:  # L2 on every weight matrix; with reg = 0 there is nothing to add
            for i in range(1, last + 1):
                W = self.params[f"W{i}"]
                loss += 0.5 * self.reg * np.vdot(W, W)
                grads[f"W{i}"] += self.reg * W
        ### END SOLUTION

        return loss, grads
