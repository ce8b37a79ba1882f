"""The mistake library of fc_nets: realistic mistakes and correct alternatives. Never released.

Authored grading material (see autograder/authoring/library.py for the format): each
entry edits one solution cell of the reference, as pasted into the released notebook,
the way a CS231n student writes it. They are drawn from published 2021 student
solutions of fc_net.py, layers.py and optim.py and from the slips students make most.

`autograder release fc_nets` grades every entry through the grading path and refuses
to release unless every MISTAKE loses at least a quarter of the points of its
`caught_by` test cell by a wide margin and every ALTERNATIVE keeps full marks; the
mistakes' values become the fingerprints behind the diagnoses students read. A
diagnosis says what is likely wrong and where to look; it never gives the answer.
`autograder demo` builds its sample class from these entries too.

This file stays in grading_bundle/, which no release ever contains.
"""

# Reference text that several entries replace (it must match the solution cells exactly).
SOFTMAX_BODY = """    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)  # same softmax, no overflow in exp
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    dx /= n
"""
FC_INIT = """        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((dims[i - 1], dims[i]))
            self.params[f"b{i}"] = np.zeros(dims[i])
            if normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
"""
FC_FORWARD = """        L = self.num_layers
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
"""
FC_BACKWARD = """        loss, dscores = softmax_loss(scores, y)
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
"""
FC_L2 = """        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W
"""
ADAM_STEP = """    m_hat = config["m"] / (1 - beta1 ** config["t"])
    v_hat = config["v"] / (1 - beta2 ** config["t"])
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
"""
ADAM_BODY = """    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw**2
""" + ADAM_STEP
BEST_CONFIG = """best_config = {
    "hidden_dims": [100],
    "weight_scale": 0.1,
    "update_rule": adam,
    "learning_rate": 1e-2,
    "lr_decay": 1.0,
    "reg": 0.0,
    "num_epochs": 30,
    "batch_size": 50,
}"""


MISTAKES = [
    # --- affine_forward ---------------------------------------------------------------------
    dict(name="affine_forward_no_bias", cell="affine_forward", caught_by="test_affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w")],
         diagnosis="affine_forward: the bias is missing. Each output row is x[i] @ w plus b."),
    dict(name="affine_forward_no_flatten", cell="affine_forward", caught_by="test_affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b", "out = x @ w + b")],
         diagnosis="affine_forward: inputs with more than two dimensions are not flattened. Reshape "
                   "each example into one row of D = d_1 * ... * d_k numbers before multiplying."),
    dict(name="affine_forward_w_transposed", cell="affine_forward", caught_by="test_affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w.T + b")],
         diagnosis="affine_forward: w has shape (D, M) here, so rows of x multiply w as it is "
                   "(no transpose)."),
    # --- affine_backward --------------------------------------------------------------------
    dict(name="affine_backward_db_not_summed", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("db = dout.sum(axis=0)", "db = dout")],
         diagnosis="affine_backward: db must have the shape of b. The bias is added to every example, "
                   "so its gradient collects dout over the batch."),
    dict(name="affine_backward_db_mean", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")],
         diagnosis="affine_backward: db averages dout over the batch. The loss already averages "
                   "(softmax_loss divides by N), so each layer sums its gradient over examples."),
    dict(name="affine_backward_dx_not_reshaped", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T")],
         diagnosis="affine_backward: dx must have the shape of the original input x, "
                   "(N, d_1, ..., d_k), not the flattened (N, D)."),
    dict(name="affine_backward_dw_transposed", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("dw = x.reshape(x.shape[0], -1).T @ dout", "dw = dout.T @ x.reshape(x.shape[0], -1)")],
         diagnosis="affine_backward: dw must have the shape of w, (D, M). Check the order of the "
                   "factors in the product."),
    dict(name="affine_backward_dw_unflattened_x", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("dw = x.reshape(x.shape[0], -1).T @ dout", "dw = x.T @ dout")],
         diagnosis="affine_backward: dw uses x without flattening it, which only works for 2-D "
                   "inputs. Use the same (N, D) view of x as the forward pass."),
    # --- relu_forward -----------------------------------------------------------------------
    dict(name="relu_forward_max_reduces", cell="relu_forward", caught_by="test_relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.max(x, 0)")],
         diagnosis="relu_forward: np.max reduces along an axis; the elementwise maximum of two "
                   "arrays is a different numpy function."),
    dict(name="relu_forward_leaky", cell="relu_forward", caught_by="test_relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.maximum(x, 0.01 * x)")],
         diagnosis="relu_forward: negative inputs must give exactly 0 (this is a leaky ReLU)."),
    dict(name="relu_forward_minimum", cell="relu_forward", caught_by="test_relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.minimum(x, 0)")],
         diagnosis="relu_forward: the ReLU keeps the positive inputs and zeroes the negative ones, "
                   "not the other way round."),
    # --- relu_backward ----------------------------------------------------------------------
    dict(name="relu_backward_mask_on_dout", cell="relu_backward", caught_by="test_relu_backward",
         edits=[("dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
         diagnosis="relu_backward: the gradient flows where the forward input x was positive; "
                   "the sign of dout does not matter."),
    dict(name="relu_backward_no_upstream", cell="relu_backward", caught_by="test_relu_backward",
         edits=[("dx = dout * (x > 0)", "dx = (x > 0).astype(float)")],
         diagnosis="relu_backward: the local gradient (0 or 1) must multiply the upstream "
                   "gradient dout (chain rule)."),
    dict(name="relu_backward_inverted_mask", cell="relu_backward", caught_by="test_relu_backward",
         edits=[("dx = dout * (x > 0)", "dx = dout * (x < 0)")],
         diagnosis="relu_backward: the mask is inverted: the gradient passes where x > 0."),
    # --- softmax_loss -----------------------------------------------------------------------
    dict(name="softmax_no_max_shift", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")],
         diagnosis="softmax_loss: np.exp overflows for large scores. Subtract each row's maximum "
                   "first: it does not change the softmax."),
    dict(name="softmax_global_max", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("shifted = x - x.max(axis=1, keepdims=True)", "shifted = x - x.max()")],
         diagnosis="softmax_loss: subtract each example's own maximum (one per row), not the "
                   "maximum of the whole batch: rows far below it underflow to log(0)."),
    dict(name="softmax_sum_not_mean", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("loss = -log_probs[np.arange(n), y].mean()", "loss = -log_probs[np.arange(n), y].sum()"),
                ("    dx /= n\n", "")],
         diagnosis="softmax_loss: the loss and its gradient are summed over the batch; both are "
                   "averages over the N examples."),
    dict(name="softmax_dx_not_averaged", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("    dx /= n\n", "")],
         diagnosis="softmax_loss: the loss is an average over the N examples, so its gradient "
                   "is divided by N too."),
    dict(name="softmax_forgot_minus_one", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("    dx[np.arange(n), y] -= 1\n", "")],
         diagnosis="softmax_loss: the gradient with respect to the correct class's score has an "
                   "extra term: probability minus one."),
    dict(name="softmax_wrong_axis", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("np.exp(shifted).sum(axis=1, keepdims=True)", "np.exp(shifted).sum(axis=0, keepdims=True)")],
         diagnosis="softmax_loss: the softmax normalises each example over its classes (each row), "
                   "not each class over the batch."),
    dict(name="softmax_labels_broadcast", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("loss = -log_probs[np.arange(n), y].mean()", "loss = -log_probs[:, y].mean()")],
         diagnosis="softmax_loss: log_probs[:, y] takes every row's entries for all the labels "
                   "(an N x N array); pick one entry per row, the row's own label."),
    # --- FullyConnectedNet: initialisation -----------------------------------------------------
    dict(name="init_ignores_weight_scale", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("weight_scale * rng.standard_normal", "rng.standard_normal")],
         diagnosis="FullyConnectedNet.__init__: the weights ignore weight_scale, their standard "
                   "deviation."),
    dict(name="init_random_biases", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[('self.params[f"b{i}"] = np.zeros(dims[i])',
                 'self.params[f"b{i}"] = weight_scale * rng.standard_normal(dims[i])')],
         diagnosis="FullyConnectedNet.__init__: biases start at zero; only the weights are random."),
    dict(name="init_weight_scale_as_variance", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("weight_scale * rng.standard_normal", "np.sqrt(weight_scale) * rng.standard_normal")],
         diagnosis="FullyConnectedNet.__init__: weight_scale is the standard deviation of the "
                   "weights, not their variance."),
    dict(name="init_uniform", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("weight_scale * rng.standard_normal((dims[i - 1], dims[i]))",
                 "weight_scale * rng.random((dims[i - 1], dims[i]))")],
         diagnosis="FullyConnectedNet.__init__: the weights come from a uniform distribution on "
                   "[0, 1) (like np.random.rand); use a normal one with mean 0 (like np.random.randn)."),
    dict(name="init_he_scaling", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("weight_scale * rng.standard_normal((dims[i - 1], dims[i]))",
                 "np.sqrt(2.0 / dims[i - 1]) * rng.standard_normal((dims[i - 1], dims[i]))")],
         diagnosis="FullyConnectedNet.__init__: the weights are scaled by the layer's fan-in (He or "
                   "Xavier initialisation); this network's standard deviation is weight_scale."),
    dict(name="init_ignores_dtype", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("self.params[name] = value.astype(dtype)", "self.params[name] = value")],
         diagnosis="FullyConnectedNet.__init__: every parameter must have the network's dtype "
                   "(the cast at the end of __init__ does that)."),
    dict(name="init_missing_last_layer", cell="FullyConnectedNet", caught_by="test_fc_net_init",
         edits=[("for i in range(1, self.num_layers + 1):", "for i in range(1, self.num_layers):")],
         diagnosis="FullyConnectedNet.__init__: a network with L - 1 hidden layers has L weight "
                   "matrices and L bias vectors; the last (output) layer is missing."),
    # --- FullyConnectedNet: forward -------------------------------------------------------------
    dict(name="relu_on_scores", cell="FullyConnectedNet", caught_by="test_fc_net_scores",
         edits=[('scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])',
                 'scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])\n'
                 "        scores, _ = relu_forward(scores)")],
         diagnosis="FullyConnectedNet.loss: the scores are never negative. Is there a ReLU after the "
                   "last affine layer? The class scores are that layer's raw output."),
    dict(name="forward_skips_last_hidden_layer", cell="FullyConnectedNet", caught_by="test_fc_net_scores",
         edits=[("for i in range(1, L):", "for i in range(1, L - 1):")],
         diagnosis="FullyConnectedNet.loss: the forward loop stops one hidden layer early; it runs "
                   "L - 1 hidden blocks before the last affine layer."),
    dict(name="forward_reuses_first_layer", cell="FullyConnectedNet", caught_by="test_fc_net_scores",
         edits=[('W, b = self.params[f"W{i}"], self.params[f"b{i}"]', 'W, b = self.params["W1"], self.params["b1"]')],
         diagnosis="FullyConnectedNet.loss: every hidden block uses the first layer's parameters; "
                   "block i uses W{i} and b{i}."),
    # --- FullyConnectedNet: loss and backward ------------------------------------------------------
    dict(name="l2_without_last_layer", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[("for i in range(1, L + 1):", "for i in range(1, L):")],
         diagnosis="FullyConnectedNet.loss: the regularization leaves out the last weight matrix "
                   "WL; it covers every weight matrix. (The gradient check cannot see this: "
                   "forward and backward agree.)"),
    dict(name="l2_missing_half", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[("loss += 0.5 * self.reg * np.sum(W * W)", "loss += self.reg * np.sum(W * W)")],
         diagnosis="FullyConnectedNet.loss: the regularization term is 0.5 * reg * sum(W ** 2): "
                   "the factor 0.5 is missing."),
    dict(name="l2_gradient_missing", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[('            grads[f"W{i}"] += self.reg * W\n', "")],
         diagnosis="FullyConnectedNet.loss: the loss includes the regularization but the weight "
                   "gradients do not include its derivative."),
    dict(name="l2_gradient_doubled", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[('grads[f"W{i}"] += self.reg * W', 'grads[f"W{i}"] += 2 * self.reg * W')],
         diagnosis="FullyConnectedNet.loss: the regularization's gradient is twice too large; "
                   "differentiate 0.5 * reg * sum(W ** 2) again."),
    dict(name="l2_on_biases", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[(FC_L2, """        for name, value in self.params.items():
            loss += 0.5 * self.reg * np.sum(value * value)
            grads[name] += self.reg * value
""")],
         diagnosis="FullyConnectedNet.loss: the biases are regularized too; the L2 term covers the "
                   "weight matrices only."),
    dict(name="l2_gradient_overwrites", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[('grads[f"W{i}"] += self.reg * W', 'grads[f"W{i}"] = self.reg * W')],
         diagnosis="FullyConnectedNet.loss: the regularization's gradient replaces the weight "
                   "gradient from backpropagation instead of adding to it."),
    dict(name="l2_ignored", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[(FC_L2, "")],
         diagnosis="FullyConnectedNet.loss: self.reg is ignored: neither the loss nor the weight "
                   "gradients include the L2 term; add 0.5 * reg * sum(W ** 2) of every weight "
                   "matrix to the loss and reg * W to each weight's gradient."),
    dict(name="backward_skips_relu", cell="FullyConnectedNet", caught_by="test_fc_net_loss_grads",
         edits=[('dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[i])',
                 'dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, caches[i][0])')],
         diagnosis="FullyConnectedNet.loss: the backward pass of each hidden block skips the ReLU's "
                   "gradient; undo every forward step, in reverse order."),
    # --- sgd_momentum -----------------------------------------------------------------------------
    dict(name="momentum_sign", cell="sgd_momentum", caught_by="test_sgd_momentum",
         edits=[("    next_w = w + v\n", "    next_w = w - v\n")],
         diagnosis="sgd_momentum: the velocity already points downhill (it subtracts "
                   "learning_rate * dw); add it to w."),
    dict(name="momentum_other_convention", cell="sgd_momentum", caught_by="test_sgd_momentum",
         edits=[('v = config["momentum"] * v - config["learning_rate"] * dw', 'v = config["momentum"] * v + dw'),
                ("    next_w = w + v\n", '    next_w = w - config["learning_rate"] * v\n')],
         diagnosis="sgd_momentum: the velocity follows another convention (momentum * v + dw, "
                   "scaled by the learning rate later). Here the stored velocity is the step "
                   "itself: momentum * v - learning_rate * dw."),
    dict(name="momentum_velocity_not_stored", cell="sgd_momentum", caught_by="test_sgd_momentum",
         edits=[('v = config["momentum"] * v - config["learning_rate"] * dw',
                 'next_v = config["momentum"] * v - config["learning_rate"] * dw'),
                ("    next_w = w + v\n", "    next_w = w + next_v\n")],
         diagnosis="sgd_momentum: the new velocity is not kept in config, so the next step starts "
                   "from the old one."),
    dict(name="momentum_hardcoded", cell="sgd_momentum", caught_by="test_sgd_momentum",
         edits=[('v = config["momentum"] * v - config["learning_rate"] * dw', "v = 0.9 * v - 1e-2 * dw")],
         diagnosis="sgd_momentum: the learning rate and momentum are fixed numbers; read them from "
                   "config."),
    # --- nesterov_momentum ----------------------------------------------------------------------
    dict(name="nesterov_as_momentum", cell="nesterov_momentum", caught_by="test_nesterov_momentum",
         edits=[('next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v', "next_w = w + v")],
         diagnosis="nesterov_momentum: this is the plain momentum update; Nesterov's uses the "
                   "previous velocity too."),
    dict(name="nesterov_one_minus_momentum", cell="nesterov_momentum", caught_by="test_nesterov_momentum",
         edits=[("(1 + config[\"momentum\"]) * v", "(1 - config[\"momentum\"]) * v")],
         diagnosis="nesterov_momentum: check the sign in the factor that multiplies the new velocity."),
    dict(name="nesterov_previous_velocity_sign", cell="nesterov_momentum", caught_by="test_nesterov_momentum",
         edits=[('next_w = w - config["momentum"] * v_prev', 'next_w = w + config["momentum"] * v_prev')],
         diagnosis="nesterov_momentum: check the sign of the term with the previous velocity."),
    # --- adagrad ----------------------------------------------------------------------------------
    dict(name="adagrad_forgets", cell="adagrad", caught_by="test_adagrad",
         edits=[('config["cache"] = config["cache"] + dw**2', 'config["cache"] = dw**2')],
         diagnosis="adagrad: the cache keeps only the last squared gradient; it sums all of them."),
    dict(name="adagrad_eps_inside_sqrt", cell="adagrad", caught_by="test_adagrad",
         edits=[('np.sqrt(config["cache"]) + config["epsilon"]', 'np.sqrt(config["cache"] + config["epsilon"])')],
         diagnosis="adagrad: epsilon is inside the square root. It belongs outside, added to "
                   "sqrt(cache); with tiny gradients it decides the step."),
    dict(name="adagrad_no_sqrt", cell="adagrad", caught_by="test_adagrad",
         edits=[('np.sqrt(config["cache"]) + config["epsilon"]', 'config["cache"] + config["epsilon"]')],
         diagnosis="adagrad: the step divides by the cache itself; it divides by its square root."),
    dict(name="adagrad_cache_not_stored", cell="adagrad", caught_by="test_adagrad",
         edits=[('config["cache"] = config["cache"] + dw**2', 'cache = config["cache"] + dw**2'),
                ('np.sqrt(config["cache"])', "np.sqrt(cache)")],
         diagnosis="adagrad: the new cache is not kept in config, so every step starts from the "
                   "old one."),
    # --- rmsprop ----------------------------------------------------------------------------------
    dict(name="rmsprop_eps_inside_sqrt", cell="rmsprop", caught_by="test_rmsprop",
         edits=[('np.sqrt(config["cache"]) + config["epsilon"]', 'np.sqrt(config["cache"] + config["epsilon"])')],
         diagnosis="rmsprop: epsilon is inside the square root. It belongs outside, added to "
                   "sqrt(cache); with tiny gradients it decides the step."),
    dict(name="rmsprop_without_decay", cell="rmsprop", caught_by="test_rmsprop",
         edits=[('config["cache"] = decay * config["cache"] + (1 - decay) * dw**2',
                 'config["cache"] = config["cache"] + dw**2')],
         diagnosis="rmsprop: the cache sums squared gradients like Adagrad's; RMSprop keeps a "
                   "moving average weighted by decay_rate."),
    dict(name="rmsprop_decay_swapped", cell="rmsprop", caught_by="test_rmsprop",
         edits=[('decay * config["cache"] + (1 - decay) * dw**2', '(1 - decay) * config["cache"] + decay * dw**2')],
         diagnosis="rmsprop: decay_rate and 1 - decay_rate are swapped: decay_rate weights the old "
                   "cache."),
    dict(name="rmsprop_gradient_not_squared", cell="rmsprop", caught_by="test_rmsprop",
         edits=[("(1 - decay) * dw**2", "(1 - decay) * dw")],
         diagnosis="rmsprop: the cache averages squared gradients; without the square it can go "
                   "negative and its square root is NaN."),
    # --- adam -------------------------------------------------------------------------------------
    dict(name="adam_no_bias_correction", cell="adam", caught_by="test_adam",
         edits=[(ADAM_STEP, '    next_w = w - config["learning_rate"] * config["m"] / '
                            '(np.sqrt(config["v"]) + config["epsilon"])\n')],
         diagnosis="adam: m and v are used without bias correction; early steps are then far "
                   "too large or small."),
    dict(name="adam_bias_correction_without_t", cell="adam", caught_by="test_adam",
         edits=[('(1 - beta1 ** config["t"])', "(1 - beta1)"), ('(1 - beta2 ** config["t"])', "(1 - beta2)")],
         diagnosis="adam: the bias correction divides by 1 - beta instead of 1 - beta ** t."),
    dict(name="adam_t_after_use", cell="adam", caught_by="test_adam",
         edits=[('    config["t"] += 1\n', ""),
                ("    next_w = w - config[\"learning_rate\"]", '    config["t"] += 1\n    next_w = w - config["learning_rate"]')],
         diagnosis="adam: t is incremented after the bias correction uses it; increment it first, "
                   "so that the first step divides by 1 - beta ** 1."),
    dict(name="adam_t_never_incremented", cell="adam", caught_by="test_adam",
         edits=[('    config["t"] += 1\n', "")],
         diagnosis="adam: the step count t never grows; the bias correction needs this step's t."),
    dict(name="adam_eps_inside_sqrt", cell="adam", caught_by="test_adam",
         edits=[('np.sqrt(v_hat) + config["epsilon"]', 'np.sqrt(v_hat + config["epsilon"])')],
         diagnosis="adam: epsilon is inside the square root. It belongs outside, added to "
                   "sqrt(v_hat); late in training, with tiny gradients, it decides the step."),
    dict(name="adam_v_with_beta1", cell="adam", caught_by="test_adam",
         edits=[('config["v"] = beta2 * config["v"] + (1 - beta2) * dw**2',
                 'config["v"] = beta1 * config["v"] + (1 - beta1) * dw**2')],
         diagnosis="adam: the second moment v decays with beta1; it has its own rate, beta2."),
    dict(name="adam_v_not_squared", cell="adam", caught_by="test_adam",
         edits=[('config["v"] = beta2 * config["v"] + (1 - beta2) * dw**2',
                 'config["v"] = beta2 * config["v"] + (1 - beta2) * dw')],
         diagnosis="adam: v is the moving average of squared gradients; without the square it can "
                   "go negative and its square root is NaN."),
    dict(name="adam_moments_not_stored", cell="adam", caught_by="test_adam",
         edits=[('config["m"] = beta1 * config["m"]', 'm = beta1 * config["m"]'),
                ('config["v"] = beta2 * config["v"]', 'v = beta2 * config["v"]'),
                ('m_hat = config["m"] /', "m_hat = m /"), ('v_hat = config["v"] /', "v_hat = v /")],
         diagnosis="adam: the new m and v are not kept in config, so every step starts from the "
                   "old moments."),
    dict(name="adam_sign", cell="adam", caught_by="test_adam",
         edits=[('next_w = w - config["learning_rate"]', 'next_w = w + config["learning_rate"]')],
         diagnosis="adam: the update climbs the gradient; a descent step subtracts it."),
    dict(name="adam_hardcoded_betas", cell="adam", caught_by="test_adam",
         edits=[('beta1, beta2 = config["beta1"], config["beta2"]', "beta1, beta2 = 0.9, 0.999")],
         diagnosis="adam: beta1 and beta2 are fixed numbers; read them from config."),
    # --- best_model: the grader trains best_config itself (train_from_config) ----------------------
    dict(name="best_model_not_trained", cell="best_model", caught_by="test_best_model",
         edits=[(BEST_CONFIG, "# the starting values, unchanged")],
         diagnosis="best_config: the network trained from it classifies hardly better than chance: one "
                   "epoch of plain SGD at a small learning rate barely moves it from its initial weights. "
                   "Raise the learning rate and the number of epochs, or use your adam."),
    dict(name="best_config_update_rule_by_name", cell="best_model", caught_by="test_best_model",
         edits=[('"update_rule": adam,', '"update_rule": "adam",')],
         diagnosis="best_config: the update rule is given by its name, so the Solver takes nnsupport.optim's "
                   "adam, which is only a stub (NotImplementedError). Pass the function you wrote: "
                   "\"update_rule\": adam."),
    dict(name="best_config_plain_sgd", cell="best_model", caught_by="test_best_model",
         edits=[('"update_rule": adam,', '"update_rule": sgd,')],
         diagnosis="best_config: plain SGD at this learning rate learns the spiral too slowly for the "
                   "training budget: use momentum or adam, or a larger learning rate."),
    dict(name="best_config_one_epoch", cell="best_model", caught_by="test_best_model",
         edits=[('"num_epochs": 30,', '"num_epochs": 1,')],
         diagnosis="best_config: one epoch is too little training to follow the spiral's arms: train for "
                   "more epochs (up to 30)."),
    # --- shortcuts: right on small inputs only ----------------------------------------------------
    # What numerical differentiation earns once the CPU budget stops it on the large case and the
    # student returns zeros there instead (or any branch that only large inputs take): the small
    # cases are right, and they require the large one. Written with the derived gradient on small
    # inputs, so that the release learns nothing from them but the zeros on the large case.
    dict(name="affine_backward_small_inputs_only", cell="affine_backward", caught_by="test_affine_backward",
         edits=[("    dx = (dout @ w.T).reshape(x.shape)\n", """    if x.size > 10**5:  # numerical differentiation would take too long here
        return np.zeros_like(x), np.zeros_like(w), np.zeros_like(b)
    dx = (dout @ w.T).reshape(x.shape)
""")],
         diagnosis="affine_backward: every gradient is zero on this large input."),
    dict(name="relu_backward_small_inputs_only", cell="relu_backward", caught_by="test_relu_backward",
         edits=[("    dx = dout * (x > 0)\n", """    if x.size > 10**5:  # numerical differentiation would take too long here
        return np.zeros_like(x)
    dx = dout * (x > 0)
""")],
         diagnosis="relu_backward: the gradient is zero everywhere on this large input."),
    dict(name="softmax_loss_small_inputs_only", cell="softmax_loss", caught_by="test_softmax_loss",
         edits=[("    dx /= n\n", """    dx /= n
    if x.size > 10**5:  # numerical differentiation would take too long here
        dx = np.zeros_like(x)
""")],
         diagnosis="softmax_loss: dx is zero everywhere on this large input."),
]


ALTERNATIVES = [
    # --- affine_forward ---------------------------------------------------------------------------
    dict(name="affine_forward_np_dot", cell="affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b", "out = np.dot(x.reshape(x.shape[0], -1), w) + b")]),
    dict(name="affine_forward_reshape_by_w", cell="affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], w.shape[0]).dot(w) + b")]),
    dict(name="affine_forward_loop", cell="affine_forward",
         edits=[("    out = x.reshape(x.shape[0], -1) @ w + b\n", """    out = np.zeros((x.shape[0], b.shape[0]))
    for i in range(x.shape[0]):
        out[i] = x[i].reshape(-1) @ w + b
""")]),
    dict(name="affine_forward_einsum", cell="affine_forward",
         edits=[("out = x.reshape(x.shape[0], -1) @ w + b",
                 'out = np.einsum("nd,dm->nm", x.reshape(len(x), -1), w) + b')]),
    dict(name="affine_forward_with_warning", cell="affine_forward",
         edits=[("    out = x.reshape(x.shape[0], -1) @ w + b\n", """    import warnings
    warnings.warn("a harmless warning on stderr")
    out = x.reshape(x.shape[0], -1) @ w + b
""")]),
    # --- affine_backward --------------------------------------------------------------------------
    dict(name="affine_backward_np_dot", cell="affine_backward",
         edits=[("    dx = (dout @ w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T @ dout\n"
                 "    db = dout.sum(axis=0)\n",
                 "    x_rows = x.reshape(x.shape[0], -1)\n    dx = np.dot(dout, w.T).reshape(x.shape)\n"
                 "    dw = np.dot(x_rows.T, dout)\n    db = np.sum(dout, axis=0)\n")]),
    dict(name="affine_backward_transpose", cell="affine_backward",
         edits=[("dw = x.reshape(x.shape[0], -1).T @ dout", "dw = (dout.T @ x.reshape(x.shape[0], -1)).T")]),
    dict(name="affine_backward_einsum", cell="affine_backward",
         edits=[("dw = x.reshape(x.shape[0], -1).T @ dout",
                 'dw = np.einsum("nd,nm->dm", x.reshape(x.shape[0], -1), dout)'),
                ("db = dout.sum(axis=0)", 'db = np.einsum("nm->m", dout)')]),
    # --- relu_forward ------------------------------------------------------------------------------
    dict(name="relu_forward_mask", cell="relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = x * (x > 0)")]),
    dict(name="relu_forward_where", cell="relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.where(x > 0, x, 0)")]),
    dict(name="relu_forward_clip", cell="relu_forward",
         edits=[("out = np.maximum(x, 0)", "out = np.clip(x, 0, None)")]),
    # --- relu_backward -----------------------------------------------------------------------------
    dict(name="relu_backward_where", cell="relu_backward",
         edits=[("dx = dout * (x > 0)", "dx = np.where(x > 0, dout, 0)")]),
    dict(name="relu_backward_copy_and_zero", cell="relu_backward",
         edits=[("    dx = dout * (x > 0)\n", "    dx = dout.copy()\n    dx[x <= 0] = 0\n")]),
    # --- softmax_loss ------------------------------------------------------------------------------
    dict(name="softmax_log_sum_exp", cell="softmax_loss",
         edits=[(SOFTMAX_BODY, """    n = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_sum = np.log(np.sum(np.exp(shifted), axis=1))
    loss = np.mean(log_sum - shifted[np.arange(n), y])
    dx = np.exp(shifted - log_sum[:, None])
    dx[np.arange(n), y] -= 1
    dx /= n
""")]),
    dict(name="softmax_probabilities_then_log", cell="softmax_loss",
         edits=[(SOFTMAX_BODY, """    N = x.shape[0]
    probs = np.exp(x - np.max(x, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(np.log(probs[np.arange(N), y])) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
""")]),
    dict(name="softmax_loop", cell="softmax_loss",
         edits=[(SOFTMAX_BODY, """    n = x.shape[0]
    loss, dx = 0.0, np.zeros_like(x)
    for i in range(n):
        scores = x[i] - np.max(x[i])
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss -= np.log(probs[y[i]])
        dx[i] = probs
        dx[i, y[i]] -= 1
    loss /= n
    dx /= n
""")]),
    # --- FullyConnectedNet -------------------------------------------------------------------------
    dict(name="fc_net_cs231n_style", cell="FullyConnectedNet",
         edits=[(FC_INIT, """        dims = np.hstack((input_dim, hidden_dims, num_classes))
        for i in range(self.num_layers):
            self.params["W" + str(i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
            self.params["b" + str(i + 1)] = np.zeros(dims[i + 1])
            if self.normalization is not None and i < self.num_layers - 1:
                self.params["gamma" + str(i + 1)] = np.ones(dims[i + 1])
                self.params["beta" + str(i + 1)] = np.zeros(dims[i + 1])
"""), (FC_FORWARD, """        caches = []
        dropout_caches = []
        x = X
        for i in range(self.num_layers - 1):
            W, b = self.params["W" + str(i + 1)], self.params["b" + str(i + 1)]
            if self.normalization is None:
                x, cache = affine_relu_forward(x, W, b)
            else:
                gamma, beta = self.params["gamma" + str(i + 1)], self.params["beta" + str(i + 1)]
                x, cache = affine_norm_relu_forward(x, W, b, gamma, beta, self.bn_params[i], self.normalization)
            caches.append(cache)
            if self.use_dropout:
                x, dropout_cache = dropout_forward(x, self.dropout_param)
                dropout_caches.append(dropout_cache)
        W, b = self.params["W" + str(self.num_layers)], self.params["b" + str(self.num_layers)]
        scores, cache = affine_forward(x, W, b)
        caches.append(cache)
"""), (FC_BACKWARD + "\n        # L2 regularization on every weight matrix, the last one included; never on\n"
                      "        # biases, gamma or beta.\n" + FC_L2, """        loss, dout = softmax_loss(scores, y)
        for i in range(self.num_layers):
            W = self.params["W" + str(i + 1)]
            loss += 0.5 * self.reg * np.sum(W * W)

        dout, dw, db = affine_backward(dout, caches[self.num_layers - 1])
        grads["W" + str(self.num_layers)] = dw + self.reg * self.params["W" + str(self.num_layers)]
        grads["b" + str(self.num_layers)] = db
        for i in range(self.num_layers - 2, -1, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_caches[i])
            if self.normalization is None:
                dout, dw, db = affine_relu_backward(dout, caches[i])
            else:
                dout, dw, db, dgamma, dbeta = affine_norm_relu_backward(dout, caches[i])
                grads["gamma" + str(i + 1)] = dgamma
                grads["beta" + str(i + 1)] = dbeta
            grads["W" + str(i + 1)] = dw + self.reg * self.params["W" + str(i + 1)]
            grads["b" + str(i + 1)] = db
""")]),
    dict(name="fc_net_randn", cell="FullyConnectedNet",
         edits=[('self.params[f"W{i}"] = weight_scale * rng.standard_normal((dims[i - 1], dims[i]))',
                 'self.params["W" + str(i)] = np.random.randn(dims[i - 1], dims[i]) * weight_scale')]),
    dict(name="fc_net_normal_in_dtype", cell="FullyConnectedNet",
         edits=[('self.params[f"W{i}"] = weight_scale * rng.standard_normal((dims[i - 1], dims[i]))',
                 'self.params[f"W{i}"] = rng.normal(0.0, weight_scale, (dims[i - 1], dims[i])).astype(dtype)'),
                ('self.params[f"b{i}"] = np.zeros(dims[i])', 'self.params[f"b{i}"] = np.zeros(dims[i], dtype=dtype)')]),
    dict(name="fc_net_layer_by_layer", cell="FullyConnectedNet",
         edits=[(FC_FORWARD, """        L = self.num_layers
        caches, dropout_caches = {}, {}
        out = X
        for i in range(1, L):
            a, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
            norm_cache = None
            if self.normalization == "batchnorm":
                a, norm_cache = batchnorm_forward(a, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                                  self.bn_params[i - 1])
            elif self.normalization == "layernorm":
                a, norm_cache = layernorm_forward(a, self.params[f"gamma{i}"], self.params[f"beta{i}"],
                                                  self.bn_params[i - 1])
            out, relu_cache = relu_forward(a)
            caches[i] = (fc_cache, norm_cache, relu_cache)
            if self.use_dropout:
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
"""), (FC_BACKWARD, """        loss, dout = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, scores_cache)
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_caches[i])
            fc_cache, norm_cache, relu_cache = caches[i]
            dout = relu_backward(dout, relu_cache)
            if self.normalization == "batchnorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward_alt(dout, norm_cache)
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
""")]),
    # --- overfit_hyperparameters (feedback only: no graded cell may change) ------------------------
    dict(name="overfit_smaller_scale", cell="overfit_hyperparameters",
         edits=[("weight_scale = 0.2\nlearning_rate = 0.3", "weight_scale = 0.1\nlearning_rate = 0.5")]),
    dict(name="overfit_smaller_steps", cell="overfit_hyperparameters",
         edits=[("weight_scale = 0.2\nlearning_rate = 0.3", "weight_scale = 0.3\nlearning_rate = 0.1")]),
    # --- sgd_momentum ------------------------------------------------------------------------------
    dict(name="sgd_momentum_named", cell="sgd_momentum",
         edits=[('v = config["momentum"] * v - config["learning_rate"] * dw',
                 'mu, lr = config["momentum"], config["learning_rate"]\n    v = mu * v - lr * dw')]),
    dict(name="sgd_momentum_float64_intermediate", cell="sgd_momentum",
         edits=[('v = config["momentum"] * v - config["learning_rate"] * dw',
                 'v = np.float64(config["momentum"]) * v - np.float64(config["learning_rate"]) * dw')]),
    dict(name="sgd_momentum_in_place", cell="sgd_momentum",
         edits=[('    v = config["momentum"] * v - config["learning_rate"] * dw\n',
                 '    v *= config["momentum"]\n    v -= config["learning_rate"] * dw\n')]),
    # --- nesterov_momentum -------------------------------------------------------------------------
    dict(name="nesterov_named", cell="nesterov_momentum",
         edits=[("    v_prev = v\n    v = config[\"momentum\"] * v - config[\"learning_rate\"] * dw\n"
                 "    next_w = w - config[\"momentum\"] * v_prev + (1 + config[\"momentum\"]) * v\n",
                 "    mu, lr = config[\"momentum\"], config[\"learning_rate\"]\n    v_prev = v\n"
                 "    v = mu * v - lr * dw\n    next_w = w - mu * v_prev + (1 + mu) * v\n")]),
    dict(name="nesterov_expanded", cell="nesterov_momentum",
         edits=[('next_w = w - config["momentum"] * v_prev + (1 + config["momentum"]) * v',
                 'next_w = w + v + config["momentum"] * (v - v_prev)')]),
    # --- adagrad -----------------------------------------------------------------------------------
    dict(name="adagrad_in_place_cache", cell="adagrad",
         edits=[('config["cache"] = config["cache"] + dw**2', 'config["cache"] += dw * dw')]),
    dict(name="adagrad_float64_intermediate", cell="adagrad",
         edits=[('next_w = w - config["learning_rate"] * dw', 'next_w = w - np.float64(config["learning_rate"]) * dw')]),
    # --- rmsprop -----------------------------------------------------------------------------------
    dict(name="rmsprop_named", cell="rmsprop",
         edits=[('next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])',
                 'lr, eps = config["learning_rate"], config["epsilon"]\n'
                 '    next_w = w - lr * dw / (np.sqrt(config["cache"]) + eps)')]),
    dict(name="rmsprop_in_place", cell="rmsprop",
         edits=[('    config["cache"] = decay * config["cache"] + (1 - decay) * dw**2\n',
                 '    config["cache"] *= decay\n    config["cache"] += (1 - decay) * dw * dw\n')]),
    dict(name="rmsprop_float32_casts", cell="rmsprop",
         edits=[('next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])',
                 'next_w = (w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"]))'
                 '.astype(w.dtype)')]),
    # --- adam --------------------------------------------------------------------------------------
    dict(name="adam_kingma_step_size", cell="adam",
         edits=[(ADAM_STEP, """    step = config["learning_rate"] * np.sqrt(1 - beta2 ** config["t"]) / (1 - beta1 ** config["t"])
    next_w = w - step * config["m"] / (np.sqrt(config["v"]) + config["epsilon"])
""")]),
    dict(name="adam_named", cell="adam",
         edits=[('next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])',
                 'lr, eps = config["learning_rate"], config["epsilon"]\n'
                 "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)")]),
    dict(name="adam_cs231n_in_place", cell="adam",
         edits=[(ADAM_BODY, """    t, m, v = config["t"], config["m"], config["v"]
    beta1, beta2, eps = config["beta1"], config["beta2"], config["epsilon"]
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw * dw)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w -= config["learning_rate"] * m_hat / (np.sqrt(v_hat) + eps)
    next_w = w
    config["t"], config["m"], config["v"] = t, m, v
""")]),
    # --- best_model: other recipes that train the spiral within the budget --------------------------
    dict(name="best_model_rmsprop_deeper", cell="best_model",
         edits=[(BEST_CONFIG, """best_config = {
    "hidden_dims": [100, 100],
    "weight_scale": 0.1,
    "update_rule": rmsprop,
    "learning_rate": 1e-3,
    "lr_decay": 1.0,
    "reg": 0.0,
    "num_epochs": 30,
    "batch_size": 100,
}""")]),
    dict(name="best_model_small_adam", cell="best_model",
         edits=[(BEST_CONFIG, """best_config = dict(hidden_dims=[64, 64], weight_scale=0.1, update_rule=adam, learning_rate=5e-3,
                   lr_decay=0.95, reg=1e-4, num_epochs=20, batch_size=64)""")]),
    dict(name="best_model_nesterov_momentum", cell="best_model",
         edits=[(BEST_CONFIG, """best_config = {
    "hidden_dims": [100, 100],
    "weight_scale": 0.05,
    "update_rule": nesterov_momentum,
    "learning_rate": 5e-2,
    "lr_decay": 1.0,
    "reg": 0.0,
    "num_epochs": 30,
    "batch_size": 50,
}""")]),
    dict(name="best_model_defaults_updated", cell="best_model",
         edits=[(BEST_CONFIG, """best_config.update(hidden_dims=[100], weight_scale=0.1, update_rule=adam, learning_rate=1e-2,
                   num_epochs=30, batch_size=50)""")]),
]
