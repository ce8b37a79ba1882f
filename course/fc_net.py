"""A fully connected network of any depth, in the CS231n 2021 style.

Architecture, for L = len(hidden_dims) + 1 layers:

    {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

The last affine layer produces the class scores directly: there is no ReLU after
it (clipping negative scores would bias the softmax). The L2 penalty
``0.5 * reg * sum(W**2)`` covers every weight matrix W1..WL and never the biases,
gamma or beta.

Each hidden block is one of the sandwich layers of ``layer_utils`` (affine - relu, or
affine - norm - relu) followed by dropout when it is on; ``loss`` loops over the
blocks forward, then backward in reverse order.
"""

import numpy as np

from .layer_utils import (
    affine_norm_relu_backward,
    affine_norm_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from .layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss


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
        # Forward: L - 1 blocks {affine - [norm] - relu - [dropout]}, then the last affine
        # layer, whose output is the class scores (no ReLU on them).
        L = self.num_layers
        caches, dropout_caches = {}, {}
        out = X
        for i in range(1, L):
            W, b = self.params[f"W{i}"], self.params[f"b{i}"]
            if self.normalization is None:
                out, caches[i] = affine_relu_forward(out, W, b)
            else:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                out, caches[i] = affine_norm_relu_forward(
                    out, W, b, gamma, beta, self.bn_params[i - 1], self.normalization
                )
            if self.use_dropout:
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
        ### END SOLUTION

        # If test mode return early.
        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        ### BEGIN SOLUTION
        # Backward: the same layers in reverse order, each turning the gradient of its
        # output into the gradients of its input and of its parameters.
        loss, dscores = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_caches[i])
            if self.normalization is None:
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[i])
            else:
                dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (
                    affine_norm_relu_backward(dout, caches[i])
                )

        # L2 regularization on every weight matrix, the last one included; never on
        # biases, gamma or beta.
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
        ### END SOLUTION

        return loss, grads
