"""The mistake library of batch_norm: realistic mistakes and correct alternatives. Never released.

Authored grading material (see autograder/authoring/library.py for the format): each
entry edits one solution cell of the reference, as pasted into the released notebook,
the way a CS231n student writes it: batch normalization's momentum convention, the axis
of the statistics, epsilon's place, the paths through the mean and the variance in the
backward pass, train against test mode, and layer normalization's axis.

`autograder release batch_norm` grades every entry through the grading path and refuses
to release unless every MISTAKE loses at least a quarter of the points of its
`caught_by` test cell by a wide margin and every ALTERNATIVE keeps full marks. A
diagnosis says what is likely wrong and where to look; it never gives the answer.

This file stays in grading_bundle/, which no release ever contains.
"""

# Reference text that several entries replace (it must match the solution cells exactly).
BN_TRAIN = """        mean = x.mean(axis=0)
        var = x.var(axis=0)
        inv_std = 1.0 / np.sqrt(var + eps)
        x_hat = (x - mean) * inv_std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, inv_std)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
"""
BN_RUNNING = """        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
"""
BN_TEST = """        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
"""
BN_BACKWARD = """    dinv_std = (dx_hat * x_hat / inv_std).sum(axis=0)
    dvar = -0.5 * dinv_std * inv_std**3
    dcentered = dx_hat * inv_std + dvar * 2 * x_hat / inv_std / n
    dx = dcentered - dcentered.mean(axis=0)
"""
BN_ALT_DX = """    dx = inv_std * (
        dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)
    )
"""
LN_STATS = """    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
"""
LN_DX = """    dx = inv_std * (
        dx_hat
        - dx_hat.mean(axis=1, keepdims=True)
        - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)
    )
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

# Shortcuts, not mistakes: a backward pass with no derived gradient, which re-runs the forward
# pass once per example (batch norm: features are independent, so N runs give dx) or once
# per feature (layer norm: D runs), differentiating it by a tiny imaginary step
# (complex-step differentiation, exact to rounding) or by central finite differences. The
# toolkit's forgers (autograder/proving/forgery.py) implement nothing at all and its
# shortcuts (shortcuts.py) stand in for training; a forward pass re-run inside the
# student's own backward is neither, so these are declared here as mistakes: the release
# proves that each loses its backward cell's points. The large-input check first in each
# hidden region takes them: the analytic backward runs there in milliseconds, these run
# far beyond the grader's cell time limit (c.Execute.timeout in nbgrader_config.py).
BN_RERUN_SETUP = """    n = dout.shape[0]
    centered = x_hat / inv_std  # x minus its batch mean: batch norm's output ignores the mean
    eps = 1.0 / inv_std**2 - (centered**2).mean(axis=0)

    def forward(z):  # the forward pass again, written so that complex inputs go through it
        zc = z - z.mean(axis=0)
        return gamma * zc / np.sqrt((zc**2).mean(axis=0) + eps)

    dx = np.zeros_like(dout)
"""
BN_COMPLEX_STEP = BN_RERUN_SETUP + """    for i in range(n):
        z = centered.astype(complex)
        z[i] += 1e-30j
        dx[i] = (dout * forward(z).imag).sum(axis=0) / 1e-30
"""
BN_FINITE_DIFFERENCES = BN_RERUN_SETUP + """    for i in range(n):
        step = np.zeros_like(centered)
        step[i] = 1e-5
        dx[i] = (dout * (forward(centered + step) - forward(centered - step))).sum(axis=0) / 2e-5
"""
LN_COMPLEX_STEP = """    centered = x_hat / inv_std
    eps = 1.0 / inv_std**2 - (centered**2).mean(axis=1, keepdims=True)

    def forward(z):  # the forward pass again, written so that complex inputs go through it
        zc = z - z.mean(axis=1, keepdims=True)
        return gamma * zc / np.sqrt((zc**2).mean(axis=1, keepdims=True) + eps)

    dx = np.zeros_like(dout)
    for j in range(dout.shape[1]):
        z = centered.astype(complex)
        z[:, j] += 1e-30j
        dx[:, j] = (dout * forward(z).imag).sum(axis=1) / 1e-30
"""
RERUN_DIAGNOSIS = ("{cell}: dx comes from running the forward pass again once per {unit} (numerical "
                   "differentiation), which takes far too long on a large input. Derive the gradient and "
                   "compute it with a few array operations.")

MISTAKES = [
    # --- batchnorm_forward: running averages -----------------------------------------------------
    dict(name="bn_momentum_other_convention", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_RUNNING, """        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var
""")],
         diagnosis="batchnorm_forward: the running averages move at the wrong speed. In CS231n's "
                   "convention momentum is the weight of the old running value, not of the batch's."),
    dict(name="bn_momentum_hardcoded", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_RUNNING, """        running_mean = 0.9 * running_mean + 0.1 * mean
        running_var = 0.9 * running_var + 0.1 * var
""")],
         diagnosis="batchnorm_forward: the running averages ignore the momentum given in bn_param "
                   "(0.9 is only its default)."),
    dict(name="bn_running_not_stored", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_RUNNING, """        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
""")],
         diagnosis="batchnorm_forward: the running averages do not change from one training step to "
                   "the next. Look at what the given code at the end of the function stores into "
                   "bn_param, and which variables your update writes."),
    dict(name="bn_running_var_unbiased", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("running_var = momentum * running_var + (1 - momentum) * var",
                 "running_var = momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)")],
         diagnosis="batchnorm_forward: the running variance is off by a factor that depends on the batch "
                   "size. It averages the same biased variance (dividing by N) that normalises the batch "
                   "(PyTorch differs here; this course follows CS231n)."),
    dict(name="bn_running_var_std", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("running_var = momentum * running_var + (1 - momentum) * var",
                 "running_var = momentum * running_var + (1 - momentum) * np.sqrt(var)")],
         diagnosis="batchnorm_forward: running_var does not track the batch variance; check what you "
                   "average into it (a variance, not a standard deviation)."),
    dict(name="bn_running_mean_of_output", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("running_mean = momentum * running_mean + (1 - momentum) * mean",
                 "running_mean = momentum * running_mean + (1 - momentum) * out.mean(axis=0)")],
         diagnosis="batchnorm_forward: running_mean averages the wrong quantity: the statistics of the "
                   "layer's input x, the ones that normalised the batch."),
    # --- batchnorm_forward: the normalisation ------------------------------------------------------
    dict(name="bn_wrong_axis", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("        mean = x.mean(axis=0)\n        var = x.var(axis=0)\n",
                 "        mean = x.mean(axis=1, keepdims=True)\n        var = x.var(axis=1, keepdims=True)\n")],
         diagnosis="batchnorm_forward: the statistics are taken over each example's features; batch "
                   "normalization normalises each feature over the examples of the batch."),
    dict(name="bn_eps_outside_sqrt", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / (np.sqrt(var) + eps)")],
         diagnosis="batchnorm_forward: features with a tiny variance come out wrong in train mode: "
                   "check where epsilon goes."),
    dict(name="bn_eps_outside_sqrt_everywhere", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / (np.sqrt(var) + eps)"),
                ("x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
                 "x_hat = (x - running_mean) / (np.sqrt(running_var) + eps)")],
         diagnosis="batchnorm_forward: features with a tiny variance come out wrong, in train and test "
                   "mode: check where epsilon goes."),
    dict(name="bn_eps_hardcoded", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var + 1e-5)"),
                ("x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
                 "x_hat = (x - running_mean) / np.sqrt(running_var + 1e-5)")],
         diagnosis="batchnorm_forward: the eps given in bn_param is ignored (1e-5 is only its default)."),
    dict(name="bn_unbiased_variance", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)")],
         diagnosis="batchnorm_forward: the variance divides by N - 1; batch normalization uses the "
                   "biased variance of the batch (dividing by N), as np.var does by default."),
    dict(name="bn_gamma_beta_swapped", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("        out = gamma * x_hat + beta\n        cache", "        out = beta * x_hat + gamma\n        cache"),
                ("        out = gamma * x_hat + beta\n    else", "        out = beta * x_hat + gamma\n    else")],
         diagnosis="batchnorm_forward: gamma scales the normalised values and beta shifts them; check "
                   "which is which."),
    dict(name="bn_train_uses_running", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_TRAIN, """        mean = x.mean(axis=0)
        var = x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
        inv_std = 1.0 / np.sqrt(running_var + eps)
        x_hat = (x - running_mean) * inv_std
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, inv_std)
""")],
         diagnosis="batchnorm_forward: train mode normalises with the running averages; in training "
                   "each batch is normalised with its own statistics (the running averages are for "
                   "test mode)."),
    # --- batchnorm_forward: test mode ---------------------------------------------------------------
    dict(name="bn_test_uses_batch_stats", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_TEST, """        x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
        out = gamma * x_hat + beta
""")],
         diagnosis="batchnorm_forward: test mode depends on the other examples of the batch. At test "
                   "time normalise with the statistics kept during training."),
    dict(name="bn_test_no_gamma_beta", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[(BN_TEST, "        out = (x - running_mean) / np.sqrt(running_var + eps)\n")],
         diagnosis="batchnorm_forward: test mode returns the normalised values without the learned "
                   "scale and shift."),
    dict(name="bn_test_no_eps", cell="batchnorm_forward", caught_by="test_batchnorm_forward",
         edits=[("x_hat = (x - running_mean) / np.sqrt(running_var + eps)",
                 "x_hat = (x - running_mean) / np.sqrt(running_var)")],
         diagnosis="batchnorm_forward: test mode is wrong for features with a tiny running variance: "
                   "test mode normalises exactly as train mode does, epsilon included."),
    # --- batchnorm_backward ----------------------------------------------------------------------------
    dict(name="bnb_ignores_mean_path", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("    dx = dcentered - dcentered.mean(axis=0)\n", "    dx = dcentered\n")],
         diagnosis="batchnorm_backward: dx misses a path of the graph: the batch mean depends on every "
                   "x too, so some gradient flows back through it."),
    dict(name="bnb_ignores_var_path", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("dcentered = dx_hat * inv_std + dvar * 2 * x_hat / inv_std / n", "dcentered = dx_hat * inv_std")],
         diagnosis="batchnorm_backward: dx misses a path of the graph: the batch variance depends on "
                   "every x too, so some gradient flows back through it."),
    dict(name="bnb_only_local_gradient", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[(BN_BACKWARD, "    dx = dx_hat * inv_std\n")],
         diagnosis="batchnorm_backward: dx treats the batch mean and variance as constants; both depend "
                   "on x, and the gradient flows through them as well."),
    dict(name="bnb_dvar_missing_half", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("dvar = -0.5 * dinv_std * inv_std**3", "dvar = -dinv_std * inv_std**3")],
         diagnosis="batchnorm_backward: the gradient through the variance has the wrong size; check "
                   "the derivative of (var + eps) ** -0.5."),
    dict(name="bnb_no_gamma", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("    dx_hat = dout * gamma\n    # x_hat", "    dx_hat = dout\n    # x_hat")],
         diagnosis="batchnorm_backward: dx ignores gamma: out = gamma * x_hat + beta, so the gradient "
                   "reaching x_hat is scaled."),
    dict(name="bnb_dgamma_wrong_axis", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    #",
                 "    dbeta = dout.sum(axis=1)\n    dgamma = (dout * x_hat).sum(axis=1)\n    dx_hat = dout * gamma\n    #")],
         diagnosis="batchnorm_backward: dgamma and dbeta have one entry per example; they have the "
                   "shape of gamma and beta, one per feature, summed over the batch."),
    dict(name="bnb_dbeta_mean", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    #",
                 "    dbeta = dout.mean(axis=0)\n    dgamma = (dout * x_hat).mean(axis=0)\n    dx_hat = dout * gamma\n    #")],
         diagnosis="batchnorm_backward: dgamma and dbeta average over the batch; gamma and beta act on "
                   "every example, so their gradients collect dout over the batch."),
    # --- batchnorm_backward_alt ------------------------------------------------------------------------
    dict(name="bnalt_missing_mean_term", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[(BN_ALT_DX, "    dx = inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0))\n")],
         diagnosis="batchnorm_backward_alt: dx misses the term that comes from the batch mean."),
    dict(name="bnalt_missing_var_term", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[(BN_ALT_DX, "    dx = inv_std * (dx_hat - dx_hat.mean(axis=0))\n")],
         diagnosis="batchnorm_backward_alt: dx misses the term that comes from the batch variance."),
    dict(name="bnalt_sums_not_means", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[(BN_ALT_DX, """    dx = inv_std * (
        dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0)
    )
""")],
         diagnosis="batchnorm_backward_alt: the terms from the batch statistics are N times too large; "
                   "check where 1/N goes in your simplified expression."),
    dict(name="bnalt_no_gamma", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[("    dx_hat = dout * gamma\n    dx = inv_std", "    dx_hat = dout\n    dx = inv_std")],
         diagnosis="batchnorm_backward_alt: dx ignores gamma: the gradient reaching x_hat is scaled by it."),
    dict(name="bnalt_dgamma_wrong_axis", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[("    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    dx = inv_std",
                 "    dbeta = dout.sum(axis=1)\n    dgamma = (dout * x_hat).sum(axis=1)\n    dx_hat = dout * gamma\n    dx = inv_std")],
         diagnosis="batchnorm_backward_alt: dgamma and dbeta have one entry per example; they have one "
                   "per feature, summed over the batch."),
    # --- layernorm_forward ---------------------------------------------------------------------------
    dict(name="ln_batch_statistics", cell="layernorm_forward", caught_by="test_layernorm_forward",
         edits=[("    mean = x.mean(axis=1, keepdims=True)\n    var = x.var(axis=1, keepdims=True)\n",
                 "    mean = x.mean(axis=0)\n    var = x.var(axis=0)\n")],
         diagnosis="layernorm_forward: the statistics are taken over the batch, as in batch "
                   "normalization; layer normalization normalises each example over its own features."),
    dict(name="ln_eps_outside_sqrt", cell="layernorm_forward", caught_by="test_layernorm_forward",
         edits=[("    inv_std = 1.0 / np.sqrt(var + eps)\n    x_hat = (x - mean) * inv_std\n    out",
                 "    inv_std = 1.0 / (np.sqrt(var) + eps)\n    x_hat = (x - mean) * inv_std\n    out")],
         diagnosis="layernorm_forward: examples with a tiny variance come out wrong: check where epsilon goes."),
    dict(name="ln_eps_hardcoded", cell="layernorm_forward", caught_by="test_layernorm_forward",
         edits=[("    inv_std = 1.0 / np.sqrt(var + eps)\n    x_hat = (x - mean) * inv_std\n    out",
                 "    inv_std = 1.0 / np.sqrt(var + 1e-5)\n    x_hat = (x - mean) * inv_std\n    out")],
         diagnosis="layernorm_forward: the eps given in ln_param is ignored (1e-5 is only its default)."),
    dict(name="ln_unbiased_variance", cell="layernorm_forward", caught_by="test_layernorm_forward",
         edits=[("var = x.var(axis=1, keepdims=True)", "var = x.var(axis=1, ddof=1, keepdims=True)")],
         diagnosis="layernorm_forward: the variance divides by D - 1; use the biased variance over the "
                   "features (dividing by D), as np.var does by default."),
    dict(name="ln_gamma_beta_swapped", cell="layernorm_forward", caught_by="test_layernorm_forward",
         edits=[("out = gamma * x_hat + beta", "out = beta * x_hat + gamma")],
         diagnosis="layernorm_forward: gamma scales the normalised values and beta shifts them; check "
                   "which is which."),
    # --- layernorm_backward -------------------------------------------------------------------------
    dict(name="lnb_batch_axis", cell="layernorm_backward", caught_by="test_layernorm_backward",
         edits=[(LN_DX, """    dx = inv_std * (
        dx_hat
        - dx_hat.mean(axis=0)
        - x_hat * (dx_hat * x_hat).mean(axis=0)
    )
""")],
         diagnosis="layernorm_backward: the means in dx are taken over the batch; layer normalization's "
                   "statistics are over each example's features."),
    dict(name="lnb_dgamma_feature_axis", cell="layernorm_backward", caught_by="test_layernorm_backward",
         edits=[("    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    dx = inv_std * (\n        dx_hat\n",
                 "    dbeta = dout.sum(axis=1)\n    dgamma = (dout * x_hat).sum(axis=1)\n    dx_hat = dout * gamma\n    dx = inv_std * (\n        dx_hat\n")],
         diagnosis="layernorm_backward: dgamma and dbeta have one entry per example; gamma and beta have "
                   "one per feature, so their gradients sum over the examples."),
    dict(name="lnb_missing_mean_term", cell="layernorm_backward", caught_by="test_layernorm_backward",
         edits=[("        - dx_hat.mean(axis=1, keepdims=True)\n", "")],
         diagnosis="layernorm_backward: dx misses the term that comes from each example's mean."),
    dict(name="lnb_missing_var_term", cell="layernorm_backward", caught_by="test_layernorm_backward",
         edits=[("        - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)\n", "")],
         diagnosis="layernorm_backward: dx misses the term that comes from each example's variance."),
    # --- shortcuts: numerical differentiation instead of a derived gradient (see BN_RERUN_SETUP) ------------
    dict(name="bnb_complex_step", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[(BN_BACKWARD, BN_COMPLEX_STEP)],
         diagnosis=RERUN_DIAGNOSIS.format(cell="batchnorm_backward", unit="example")),
    dict(name="bnb_finite_differences", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[(BN_BACKWARD, BN_FINITE_DIFFERENCES)],
         diagnosis=RERUN_DIAGNOSIS.format(cell="batchnorm_backward", unit="example")),
    dict(name="bnalt_complex_step", cell="batchnorm_backward_alt", caught_by="test_batchnorm_backward_alt",
         edits=[(BN_ALT_DX, BN_COMPLEX_STEP)],
         diagnosis=RERUN_DIAGNOSIS.format(cell="batchnorm_backward_alt", unit="example")),
    dict(name="lnb_complex_step", cell="layernorm_backward", caught_by="test_layernorm_backward",
         edits=[(LN_DX, LN_COMPLEX_STEP)],
         diagnosis=RERUN_DIAGNOSIS.format(cell="layernorm_backward", unit="feature")),
    # Numerical differentiation stopped by the CPU budget on the large batch, with zeros returned
    # there instead (or any branch that only large inputs take): the small cases are right, and they
    # require the large one. Written with the derived gradient on small inputs, so that the release
    # learns nothing from it but the zeros on the large batch.
    dict(name="bnb_small_batches_only", cell="batchnorm_backward", caught_by="test_batchnorm_backward",
         edits=[("    n = dout.shape[0]\n", """    n = dout.shape[0]
    if dout.size > 10**5:  # numerical differentiation would take too long here
        return np.zeros_like(dout), np.zeros_like(gamma), np.zeros_like(gamma)
""")],
         diagnosis="batchnorm_backward: every gradient is zero on this large batch."),
    # --- FullyConnectedNet ------------------------------------------------------------------------------
    dict(name="fc_bn_param_shared", cell="FullyConnectedNet", caught_by="test_fc_net_batchnorm",
         edits=[("out, W, b, gamma, beta, self.bn_params[i - 1], self.normalization",
                 "out, W, b, gamma, beta, self.bn_params[0], self.normalization")],
         diagnosis="FullyConnectedNet.loss: every hidden layer normalises with the same bn_param; each "
                   "layer keeps its own running averages, in its own entry of self.bn_params."),
    dict(name="fc_bn_mode_not_set", cell="FullyConnectedNet", caught_by="test_fc_net_batchnorm",
         edits=[("""            for bn_param in self.bn_params:
                bn_param["mode"] = mode
""", """            for bn_param in self.bn_params:
                bn_param["mode"] = "train"
""")],
         diagnosis="FullyConnectedNet.loss: test-time scores depend on the batch; batch normalization "
                   "must run in test mode when y is None."),
    dict(name="fc_norm_grads_missing", cell="FullyConnectedNet", caught_by="test_fc_net_batchnorm",
         edits=[("""                dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (
                    affine_norm_relu_backward(dout, caches[i])
                )
""", """                dout, grads[f"W{i}"], grads[f"b{i}"], _, _ = affine_norm_relu_backward(dout, caches[i])
""")],
         diagnosis="FullyConnectedNet.loss: grads lacks some parameters; every entry of self.params, "
                   "gamma and beta included, needs its gradient for the Solver to train it."),
    dict(name="fc_gamma_on_output_layer", cell="FullyConnectedNet", caught_by="test_fc_net_batchnorm",
         edits=[("if normalization is not None and i < self.num_layers:", "if normalization is not None:")],
         diagnosis="FullyConnectedNet.__init__: the output layer has gamma and beta too; only the hidden "
                   "layers are normalised."),
    dict(name="fc_norm_params_only_batchnorm", cell="FullyConnectedNet", caught_by="test_fc_net_layernorm",
         edits=[("if normalization is not None and i < self.num_layers:",
                 'if normalization == "batchnorm" and i < self.num_layers:')],
         diagnosis="FullyConnectedNet.__init__: a layer-normalised network has no gamma and beta; "
                   "layer normalization learns them too."),
]


ALTERNATIVES = [
    # --- batchnorm_forward ------------------------------------------------------------------------------
    dict(name="bn_forward_sums_over_n", cell="batchnorm_forward",
         edits=[("        mean = x.mean(axis=0)\n        var = x.var(axis=0)\n",
                 "        mean = np.sum(x, axis=0) / n\n        var = np.sum((x - mean) ** 2, axis=0) / n\n")]),
    dict(name="bn_forward_cs231n_graph", cell="batchnorm_forward",
         edits=[(BN_TRAIN, """        mu = np.mean(x, axis=0)
        xmu = x - mu
        sq = xmu**2
        var = 1.0 / n * np.sum(sq, axis=0)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta
        cache = (xhat, gamma, ivar)
        running_mean = momentum * running_mean + (1.0 - momentum) * mu
        running_var = momentum * running_var + (1.0 - momentum) * var
""")]),
    dict(name="bn_forward_keepdims", cell="batchnorm_forward",
         edits=[(BN_TRAIN, """        mean = x.mean(axis=0, keepdims=True)
        var = x.var(axis=0, keepdims=True)
        x_hat = (x - mean) / np.sqrt(var + eps)
        out = gamma * x_hat + beta
        cache = (x_hat, gamma, 1.0 / np.sqrt(var[0] + eps))
        running_mean = momentum * running_mean + (1 - momentum) * mean.squeeze(0)
        running_var = momentum * running_var + (1 - momentum) * var.squeeze(0)
""")]),
    dict(name="bn_forward_running_in_place", cell="batchnorm_forward",
         edits=[(BN_RUNNING, """        running_mean = running_mean * momentum
        running_mean += (1 - momentum) * mean
        running_var = running_var * momentum
        running_var += (1 - momentum) * var
""")]),
    dict(name="bn_forward_store_inside", cell="batchnorm_forward",
         edits=[(BN_RUNNING, """        running_mean = bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        running_var = bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
""")]),
    dict(name="bn_forward_test_inv_std", cell="batchnorm_forward",
         edits=[(BN_TEST, """        inv_std = 1.0 / np.sqrt(running_var + eps)
        out = gamma * (x - running_mean) * inv_std + beta
""")]),
    dict(name="bn_forward_mean_of_squares", cell="batchnorm_forward",
         edits=[("var = x.var(axis=0)", "var = np.mean((x - mean) ** 2, axis=0)")]),
    # --- batchnorm_backward -------------------------------------------------------------------------------
    dict(name="bnb_cs231n_graph", cell="batchnorm_backward",
         edits=[(BN_BACKWARD, """    N, D = dout.shape
    xmu = x_hat / inv_std
    sqrtvar = 1.0 / inv_std
    dxhat = dx_hat
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * inv_std
    dsqrtvar = -1.0 / (sqrtvar**2) * divar
    dvar = 0.5 * inv_std * dsqrtvar
    dsq = 1.0 / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dx1, axis=0)
    dx2 = 1.0 / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2
""")]),
    dict(name="bnb_chain_through_mean_and_var", cell="batchnorm_backward",
         edits=[(BN_BACKWARD, """    xmu = x_hat / inv_std
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * inv_std**3
    dmean = np.sum(-dx_hat * inv_std, axis=0) + dvar * np.mean(-2.0 * xmu, axis=0)
    dx = dx_hat * inv_std + dvar * 2.0 * xmu / n + dmean / n
""")]),
    dict(name="bnb_compact_formula", cell="batchnorm_backward",
         edits=[(BN_BACKWARD, """    dx = (1.0 / n) * inv_std * (n * dx_hat - np.sum(dx_hat, axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
""")]),
    # --- batchnorm_backward_alt ----------------------------------------------------------------------------
    dict(name="bnalt_sums_over_n", cell="batchnorm_backward_alt",
         edits=[(BN_ALT_DX, """    N = dout.shape[0]
    dx = inv_std / N * (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0))
""")]),
    dict(name="bnalt_dgamma_einsum", cell="batchnorm_backward_alt",
         edits=[("    dgamma = (dout * x_hat).sum(axis=0)\n    dx_hat = dout * gamma\n    dx = inv_std",
                 '    dgamma = np.einsum("nd,nd->d", dout, x_hat)\n    dx_hat = dout * gamma\n    dx = inv_std')]),
    # --- layernorm_forward ----------------------------------------------------------------------------------
    dict(name="ln_transpose_batchnorm", cell="layernorm_forward",
         edits=[(LN_STATS + "    out = gamma * x_hat + beta\n    cache = (x_hat, gamma, inv_std)\n", """    n = x.shape[0]
    x_hat_t, bn_cache = batchnorm_forward(x.T, np.ones(n), np.zeros(n), {"mode": "train", "eps": eps})
    x_hat = x_hat_t.T
    inv_std = bn_cache[2][:, None]
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inv_std)
""")]),
    dict(name="ln_sums_over_d", cell="layernorm_forward",
         edits=[(LN_STATS, """    D = x.shape[1]
    mean = np.sum(x, axis=1, keepdims=True) / D
    var = np.sum((x - mean) ** 2, axis=1, keepdims=True) / D
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) / np.sqrt(var + eps)
""")]),
    dict(name="ln_newaxis", cell="layernorm_forward",
         edits=[(LN_STATS, """    mean = x.mean(axis=1)[:, np.newaxis]
    var = x.var(axis=1)[:, np.newaxis]
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
""")]),
    # --- layernorm_backward ---------------------------------------------------------------------------------
    dict(name="lnb_transpose_batchnorm_alt", cell="layernorm_backward",
         edits=[(LN_DX, """    dx_t, _, _ = batchnorm_backward_alt(dx_hat.T, (x_hat.T, np.ones(x_hat.shape[0]), inv_std.ravel()))
    dx = dx_t.T
""")]),
    dict(name="lnb_sums_over_d", cell="layernorm_backward",
         edits=[(LN_DX, """    D = dout.shape[1]
    dx = (inv_std / D) * (D * dx_hat - np.sum(dx_hat, axis=1, keepdims=True)
                          - x_hat * np.sum(dx_hat * x_hat, axis=1, keepdims=True))
""")]),
    # --- FullyConnectedNet ---------------------------------------------------------------------------------
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
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)
            elif self.normalization == "layernorm":
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
            dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
""")]),
    dict(name="fc_net_string_names", cell="FullyConnectedNet",
         edits=[("""            if normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])
""", """            if self.normalization and i != self.num_layers:
                self.params["gamma" + str(i)] = np.ones(dims[i])
                self.params["beta" + str(i)] = np.zeros(dims[i])
""")]),
]
