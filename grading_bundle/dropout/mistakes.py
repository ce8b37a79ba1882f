"""The mistake library of dropout: realistic mistakes and correct alternatives. Never released.

Authored grading material (see autograder/authoring/library.py for the format): each
entry edits one solution cell of the reference, as pasted into the released notebook,
the way a CS231n student writes it: `dropout_forward`, `dropout_backward` and the dropout
parts of `FullyConnectedNet`. They are drawn from the slips published 2021 solutions of
CS231n's Dropout.ipynb show: the keep probability read as a drop probability, a missing or
inverted 1/p scaling, dropout left on at test time, a mask that is not the forward pass's,
the seed ignored, dropout in the wrong place of the network.

`autograder release dropout` grades every entry through the grading path and refuses
to release unless every MISTAKE loses at least a quarter of the points of its
`caught_by` test cell by a wide margin and every ALTERNATIVE keeps full marks; the
mistakes' values become the fingerprints behind the diagnoses students read. A
diagnosis says what is likely wrong and where to look; it never gives the answer.
The checks are indifferent to how the mask is drawn (the notebook accepts any draw that keeps
each unit independently with probability p, the same mask on every call with a seed): the
forward checks record properties every correct draw has, and the network's checks replace
dropout_forward and dropout_backward by a fixed-mask dropout. So the alternatives include
other draws (CS231n's np.random.seed then np.random.rand, binomial, ``> 1 - p``, another
generator) and a network that calls dropout through its own method.

This file stays in grading_bundle/, which no release ever contains.
"""

# Reference text that several entries replace (it must match the solution cells exactly).
DRAW = """        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)
        out = x * mask
"""
MASK = "mask = ((rng.random(x.shape) < p) / p).astype(x.dtype)"
# CS231n's skeleton seeds numpy's global generator, when dropout_param has a seed, before drawing.
LEGACY = """        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])
"""
BACKWARD = """    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
"""
FORWARD_DROPOUT = """            if self.use_dropout:
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
"""
BACKWARD_DROPOUT = """            if self.use_dropout:
                dout = dropout_backward(dout, dropout_caches[i])
"""
SCORES = """        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
"""
FIRST_BACKWARD = """        loss, dscores = softmax_loss(scores, y)
"""
PLAIN_BLOCK = """            if self.normalization is None:
                out, caches[i] = affine_relu_forward(out, W, b)
"""
PLAIN_BLOCK_BACKWARD = """            if self.normalization is None:
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_relu_backward(dout, caches[i])
"""


MISTAKES = [
    # --- dropout_forward: the keep probability and the scaling --------------------------------
    dict(name="forward_p_as_drop_probability", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = ((rng.random(x.shape) < 1 - p) / (1 - p)).astype(x.dtype)")],
         diagnosis="dropout_forward: units are kept with probability 1 - p. In this course p is the "
                   "probability of keeping a unit, not of dropping it; check the comparison that builds the "
                   "mask and the scaling."),
    dict(name="forward_mask_greater_than", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = ((rng.random(x.shape) > p) / p).astype(x.dtype)")],
         diagnosis="dropout_forward: the mask keeps about 1 - p of the units instead of p (look at the "
                   "fraction of zeros). Check the direction of the comparison with p."),
    dict(name="forward_no_scaling", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = (rng.random(x.shape) < p).astype(x.dtype)")],
         diagnosis="dropout_forward: the kept units are not rescaled, so the mean of the train-time output "
                   "is about p times the mean of the input. This is inverted dropout: see what the kept "
                   "units are divided by."),
    dict(name="forward_scaled_by_p", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = ((rng.random(x.shape) < p) * p).astype(x.dtype)")],
         diagnosis="dropout_forward: the kept units are multiplied by p, which shrinks the output's mean "
                   "to about p * p times the input's. Inverted dropout keeps the expected output equal to "
                   "the input: check the scaling of the kept units."),
    dict(name="forward_scaled_by_drop_probability", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = ((rng.random(x.shape) < p) / (1 - p)).astype(x.dtype)")],
         diagnosis="dropout_forward: the kept units are rescaled with the drop probability 1 - p. They are "
                   "kept with probability p, and that is what sets the scaling."),
    dict(name="forward_mask_unscaled_in_cache", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(DRAW, """        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = rng.random(x.shape) < p
        out = x * mask / p
""")],
         diagnosis="dropout_forward / dropout_backward: the outputs are right but the gradient is not "
                   "scaled like them. Check what the cache's mask holds (the backward pass multiplies by "
                   "it) and that it is the kept units already divided by p."),
    dict(name="forward_per_feature_mask", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = ((rng.random(x.shape[1:]) < p) / p).astype(x.dtype)")],
         diagnosis="dropout_forward: every example of the batch gets the same mask (the mask is drawn for "
                   "one example and broadcast). Each unit of each example is kept or dropped on its own: "
                   "check the shape of the random draw."),
    dict(name="forward_in_place_on_input", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[("        out = x * mask\n", "        out = x\n        out *= mask\n")],
         diagnosis="dropout_forward: calling it changes its input x (an in-place operation on the caller's "
                   "array), so a second call on the same x sees an already dropped input. Compute the output "
                   "in a new array."),
    # --- dropout_forward: the seed and the random draw -----------------------------------------
    dict(name="forward_seed_ignored", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('rng = np.random.default_rng(dropout_param.get("seed"))', "rng = np.random.default_rng()")],
         diagnosis="dropout_forward: two calls with the same seed give different masks: the seed in "
                   "dropout_param is not used when the generator is made. Without it no gradient check "
                   "through dropout is possible."),
    dict(name="forward_seed_required", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('np.random.default_rng(dropout_param.get("seed"))', 'np.random.default_rng(dropout_param["seed"])')],
         diagnosis="dropout_forward: it fails when dropout_param has no seed (a KeyError). The seed is "
                   "optional: without one each call draws a new mask."),
    dict(name="forward_fixed_default_seed", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('np.random.default_rng(dropout_param.get("seed"))',
                 'np.random.default_rng(dropout_param.get("seed", 0))')],
         diagnosis="dropout_forward: without a seed every call gives the same mask (a default seed is used). "
                   "The seed is optional: without one each call must draw a new mask."),
    dict(name="forward_generator_kept_in_param", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('rng = np.random.default_rng(dropout_param.get("seed"))',
                 'rng = dropout_param.setdefault("rng", np.random.default_rng(dropout_param.get("seed")))')],
         diagnosis="dropout_forward: called twice with the same dropout_param and its seed, it gives two "
                   "different masks: the generator is kept from one call to the next. With a seed every call "
                   "must give the same mask (a network passes the same dropout_param on every call)."),
    dict(name="forward_constant_global_seed", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(DRAW, """        np.random.seed(231)
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
""")],
         diagnosis="dropout_forward: every call gives the same mask, whatever the seed in dropout_param (or "
                   "without one): the generator is seeded with a constant. Seed it with dropout_param's seed, "
                   "and only when there is one."),
    dict(name="forward_cache_mask_redrawn", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[("        out = x * mask\n", "        out = x * (rng.random(x.shape) < p) / p\n")],
         diagnosis="dropout_forward: the mask stored in the cache is not the one the output was computed "
                   "with (a second draw). Draw the mask once and use it for both."),
    dict(name="forward_legacy_p_as_drop_probability", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(DRAW, """        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])
        mask = (np.random.rand(*x.shape) > p) / (1 - p)
        out = x * mask
""")],
         diagnosis="dropout_forward: units are kept with probability 1 - p. In this course p is the "
                   "probability of keeping a unit, not of dropping it; check the comparison that builds the "
                   "mask and the scaling."),
    dict(name="forward_legacy_no_scaling", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(DRAW, """        if "seed" in dropout_param:
            np.random.seed(dropout_param["seed"])
        mask = np.random.rand(*x.shape) < p
        out = x * mask
""")],
         diagnosis="dropout_forward: the kept units are not rescaled, so the mean of the train-time output "
                   "is about p times the mean of the input. This is inverted dropout: see what the kept "
                   "units are divided by."),
    dict(name="forward_binomial_drop_probability", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[(MASK, "mask = (rng.binomial(1, 1 - p, size=x.shape) / p).astype(x.dtype)")],
         diagnosis="dropout_forward: units are kept with probability 1 - p. In this course p is the "
                   "probability of keeping a unit, not of dropping it; check the probability of the draw."),
    # --- dropout_forward: test mode ---------------------------------------------------------------
    dict(name="forward_dropout_at_test_time", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('    if mode == "train":\n', '    if mode in ("train", "test"):\n')],
         diagnosis='dropout_forward: units are dropped in "test" mode too. At test time the layer must '
                   "return its input unchanged (look at the fraction of test-time outputs set to zero)."),
    dict(name="forward_test_scaled_by_p", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('    elif mode == "test":\n        out = x\n', '    elif mode == "test":\n        out = x * p\n')],
         diagnosis='dropout_forward: "test" mode rescales the input (non-inverted dropout). With inverted '
                   "dropout the train-time scaling already keeps the expected activation, so test mode "
                   "returns the input unchanged."),
    dict(name="forward_test_divided_by_p", cell="dropout_forward", caught_by="test_dropout_forward",
         edits=[('    elif mode == "test":\n        out = x\n', '    elif mode == "test":\n        out = x / p\n')],
         diagnosis='dropout_forward: "test" mode rescales the input. The scaling belongs to the train-time '
                   "mask only; test mode returns the input unchanged."),
    # --- dropout_backward ---------------------------------------------------------------------------
    dict(name="backward_ignores_mode", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[(BACKWARD, "    dx = dout * mask\n")],
         diagnosis='dropout_backward: "test" mode fails (there is no mask then). In test mode the layer is '
                   "the identity, and so is its gradient: check the mode in dropout_param."),
    dict(name="backward_scaled_again", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[("        dx = dout * mask\n", '        dx = dout * mask / dropout_param["p"]\n')],
         diagnosis="dropout_backward: the gradient is scaled by 1/p once too often. The mask from the forward "
                   "pass already holds the scaling of the kept units."),
    dict(name="backward_unscaled", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[("        dx = dout * mask\n", "        dx = dout * (mask > 0)\n")],
         diagnosis="dropout_backward: the gradient passes through the kept units but is not scaled like "
                   "them. The forward pass multiplies each kept unit by a constant: its gradient gets the "
                   "same factor."),
    dict(name="backward_new_mask", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[("        dx = dout * mask\n",
                 '        p = dropout_param["p"]\n'
                 '        rng = np.random.default_rng(dropout_param.get("seed"))\n'
                 "        dx = dout * (rng.random(dout.shape) < p) / p\n")],
         diagnosis="dropout_backward: without a seed the gradient does not flow through the units the "
                   "forward pass kept: a new mask is drawn. Use the mask stored in the cache."),
    dict(name="backward_mask_only", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[("        dx = dout * mask\n", "        dx = mask\n")],
         diagnosis="dropout_backward: the local gradient (the mask) must multiply the upstream gradient "
                   "dout (chain rule)."),
    dict(name="backward_test_mode_scaled", cell="dropout_backward", caught_by="test_dropout_backward",
         edits=[("    else:\n        dx = dout\n", '    else:\n        dx = dout * dropout_param["p"]\n')],
         diagnosis='dropout_backward: in "test" mode the gradient is rescaled. The test-time layer is the '
                   "identity, so its gradient is dout unchanged."),
    # --- FullyConnectedNet --------------------------------------------------------------------------
    dict(name="net_dropout_on_scores", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(SCORES, SCORES + """        if self.use_dropout:
            scores, scores_dropout_cache = dropout_forward(scores, self.dropout_param)
"""),
                (FIRST_BACKWARD, FIRST_BACKWARD + """        if self.use_dropout:
            dscores = dropout_backward(dscores, scores_dropout_cache)
""")],
         diagnosis="FullyConnectedNet.loss: dropout is also applied to the class scores. The gradient check "
                   "cannot see it (forward and backward agree); dropout follows the ReLU of each hidden "
                   "block only, never the last affine layer."),
    dict(name="net_dropout_before_each_block", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(FORWARD_DROPOUT, ""),
                ('            W, b = self.params[f"W{i}"], self.params[f"b{i}"]\n',
                 '            W, b = self.params[f"W{i}"], self.params[f"b{i}"]\n' + FORWARD_DROPOUT),
                (BACKWARD_DROPOUT, ""),
                ("""                    affine_norm_relu_backward(dout, caches[i])
                )
""", """                    affine_norm_relu_backward(dout, caches[i])
                )
""" + BACKWARD_DROPOUT)],
         diagnosis="FullyConnectedNet.loss: dropout sits at the input of each hidden block (so it drops input "
                   "features and misses the last hidden layer). It belongs after each block's ReLU."),
    dict(name="net_no_dropout_backward", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(BACKWARD_DROPOUT, "")],
         diagnosis="FullyConnectedNet.loss: the backward pass does not go back through the dropout layers, so "
                   "the gradients ignore the mask (the gradient check with a keep ratio below 1 shows it)."),
    dict(name="net_dropout_never_applied", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(FORWARD_DROPOUT, ""), (BACKWARD_DROPOUT, "")],
         diagnosis="FullyConnectedNet.loss: with a keep ratio below 1 the network computes the same loss as "
                   "without dropout: no dropout layer runs. Add one after each hidden block's ReLU."),
    dict(name="net_dropout_last_hidden_only", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(FORWARD_DROPOUT, ""),
                (SCORES, """        if self.use_dropout:
            out, dropout_cache = dropout_forward(out, self.dropout_param)
""" + SCORES),
                (BACKWARD_DROPOUT, ""),
                ("        for i in range(L - 1, 0, -1):\n", """        if self.use_dropout:
            dout = dropout_backward(dout, dropout_cache)
        for i in range(L - 1, 0, -1):
""")],
         diagnosis="FullyConnectedNet.loss: only one dropout layer runs, after the last hidden layer. Every "
                   "hidden block ends with its own dropout layer."),
    dict(name="net_one_dropout_cache", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[("out, dropout_caches[i] = dropout_forward(", "out, dropout_cache = dropout_forward("),
                ("dout = dropout_backward(dout, dropout_caches[i])", "dout = dropout_backward(dout, dropout_cache)")],
         diagnosis="FullyConnectedNet.loss: every dropout layer's backward uses the same cache (the last "
                   "layer's), so the gradient of the other layers goes through the wrong mask. Keep one cache "
                   "per layer."),
    dict(name="net_dropout_backward_after_block", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(BACKWARD_DROPOUT, ""),
                (PLAIN_BLOCK_BACKWARD, PLAIN_BLOCK_BACKWARD + """                if self.use_dropout:
                    dout = dropout_backward(dout, dropout_caches[i])
""")],
         diagnosis="FullyConnectedNet.loss: the backward pass reaches each dropout layer after its hidden "
                   "block's backward, where the gradient no longer has the dropout output's shape. Undo each "
                   "block's layers in the reverse order of the forward pass."),
    dict(name="net_mode_not_set", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[('        if self.use_dropout:\n            self.dropout_param["mode"] = mode\n', "")],
         diagnosis="FullyConnectedNet.loss: the test-time scores (y is None) still use dropout. The dropout "
                   "layers must be told the mode on every call."),
    dict(name="net_seed_not_stored", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[('            if seed is not None:\n                self.dropout_param["seed"] = seed\n', "")],
         diagnosis="FullyConnectedNet: the network's seed does not reach the dropout layers, so every call "
                   "draws new masks and the loss changes from call to call (no gradient check is possible). "
                   "Look at what __init__ puts in self.dropout_param."),
    dict(name="net_dropout_scaled_again", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[("                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)\n",
                 "                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)\n"
                 '                out = out / self.dropout_param["p"]\n'),
                ("                dout = dropout_backward(dout, dropout_caches[i])\n",
                 '                dout = dropout_backward(dout / self.dropout_param["p"], dropout_caches[i])\n')],
         diagnosis="FullyConnectedNet.loss: the hidden activations are divided by the keep ratio after the "
                   "dropout layer, which already scales the kept units: they are scaled twice."),
    dict(name="net_dropout_param_without_seed", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[("out, dropout_caches[i] = dropout_forward(out, self.dropout_param)",
                 'out, dropout_caches[i] = dropout_forward(out, {"mode": mode, "p": self.dropout_param["p"]})')],
         diagnosis="FullyConnectedNet.loss: the dropout layers do not get the network's seed, so every call "
                   "draws new masks and the loss changes from call to call (no gradient check is possible). "
                   "Pass self.dropout_param itself."),
    dict(name="net_test_scores_scaled", cell="FullyConnectedNet", caught_by="test_fc_net_dropout",
         edits=[(SCORES, """        if self.use_dropout and mode == "test":
            out = out * self.dropout_param["p"]
""" + SCORES)],
         diagnosis="FullyConnectedNet.loss: the test-time scores are rescaled by the keep ratio "
                   "(non-inverted dropout). The dropout layers already scale at training time; at test "
                   "time the network runs without any dropout correction."),
]

ALTERNATIVES = [
    # --- dropout_forward ----------------------------------------------------------------------------
    dict(name="forward_np_where", cell="dropout_forward",
         edits=[(MASK, "mask = np.where(rng.random(x.shape) < p, 1.0 / p, 0.0).astype(x.dtype)")]),
    dict(name="forward_boolean_then_divide", cell="dropout_forward",
         edits=[(DRAW, """        rng = np.random.default_rng(dropout_param.get("seed"))
        keep = rng.random(x.shape) < p
        mask = keep / p
        out = x * keep / p
""")]),
    dict(name="forward_float_mask_divided", cell="dropout_forward",
         edits=[(MASK, "mask = (rng.random(x.shape) < p).astype(x.dtype) / p")]),
    dict(name="forward_times_reciprocal", cell="dropout_forward",
         edits=[(MASK, "mask = (rng.random(x.shape) < p) * (1.0 / p)")]),
    dict(name="forward_uniform", cell="dropout_forward",
         edits=[("rng.random(x.shape) < p", "rng.uniform(size=x.shape) < p")]),
    dict(name="forward_less_equal", cell="dropout_forward",
         edits=[("rng.random(x.shape) < p", "rng.random(x.shape) <= p")]),
    dict(name="forward_p_greater", cell="dropout_forward",
         edits=[("rng.random(x.shape) < p", "p > rng.random(size=x.shape)")]),
    dict(name="forward_flat_draw", cell="dropout_forward",
         edits=[("rng.random(x.shape) < p", "rng.random(x.size).reshape(x.shape) < p")]),
    dict(name="forward_seed_variable", cell="dropout_forward",
         edits=[('rng = np.random.default_rng(dropout_param.get("seed"))',
                 'seed = dropout_param["seed"] if "seed" in dropout_param else None\n'
                 "        rng = np.random.default_rng(seed=seed)")]),
    dict(name="forward_copy_in_place", cell="dropout_forward",
         edits=[("        out = x * mask\n", "        out = x.copy()\n        out *= mask\n")]),
    dict(name="forward_np_multiply", cell="dropout_forward",
         edits=[("        out = x * mask\n", "        out = np.multiply(x, mask)\n")]),
    dict(name="forward_test_copy", cell="dropout_forward",
         edits=[('    elif mode == "test":\n        out = x\n', '    elif mode == "test":\n        out = x.copy()\n')]),
    # Other draws: any that keeps each unit independently with probability p, the same with a seed.
    dict(name="forward_legacy_global_seed", cell="dropout_forward",
         edits=[(DRAW, LEGACY + """        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
""")]),
    dict(name="forward_legacy_less_equal", cell="dropout_forward",
         edits=[(DRAW, LEGACY + """        mask = (np.random.rand(*x.shape) <= p) / p
        out = x * mask
""")]),
    dict(name="forward_legacy_binomial", cell="dropout_forward",
         edits=[(DRAW, LEGACY + """        mask = np.random.binomial(1, p, size=x.shape) / p
        out = x * mask
""")]),
    dict(name="forward_legacy_uniform_np_where", cell="dropout_forward",
         edits=[(DRAW, LEGACY + """        keep = np.random.uniform(0, 1, x.shape) < p
        out = np.where(keep, x / p, 0)
        mask = np.where(keep, 1 / p, 0)
""")]),
    dict(name="forward_global_seed_none", cell="dropout_forward",
         edits=[(DRAW, """        np.random.seed(dropout_param.get("seed"))
        mask = (np.random.random_sample(x.shape) < p) / p
        out = x * mask
""")]),
    dict(name="forward_random_state", cell="dropout_forward",
         edits=[('rng = np.random.default_rng(dropout_param.get("seed"))',
                 'rng = np.random.RandomState(dropout_param.get("seed"))'),
                ("rng.random(x.shape) < p", "rng.rand(*x.shape) < p")]),
    dict(name="forward_binomial_draw", cell="dropout_forward",
         edits=[(MASK, "mask = (rng.binomial(1, p, size=x.shape) / p).astype(x.dtype)")]),
    dict(name="forward_greater_than_drop_probability", cell="dropout_forward",
         edits=[("rng.random(x.shape) < p", "rng.random(x.shape) > 1 - p")]),
    dict(name="forward_seed_plus_offset", cell="dropout_forward",
         edits=[('rng = np.random.default_rng(dropout_param.get("seed"))',
                 'seed = dropout_param.get("seed")\n'
                 "        rng = np.random.default_rng(None if seed is None else seed + 1)")]),
    # --- dropout_backward ---------------------------------------------------------------------------
    dict(name="backward_mask_first", cell="dropout_backward",
         edits=[("        dx = dout * mask\n", "        dx = mask * dout\n")]),
    dict(name="backward_copy_in_place", cell="dropout_backward",
         edits=[("        dx = dout * mask\n", "        dx = dout.copy()\n        dx *= mask\n")]),
    dict(name="backward_mask_none_test", cell="dropout_backward",
         edits=[(BACKWARD, "    dx = dout if mask is None else np.multiply(dout, mask)\n")]),
    # --- FullyConnectedNet --------------------------------------------------------------------------
    dict(name="net_dropout_before_relu", cell="FullyConnectedNet",
         edits=[(PLAIN_BLOCK + """            else:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                out, caches[i] = affine_norm_relu_forward(
                    out, W, b, gamma, beta, self.bn_params[i - 1], self.normalization
                )
            if self.use_dropout:
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
""", """            if self.normalization is None:
                a, fc_cache = affine_forward(out, W, b)
                if self.use_dropout:
                    a, dropout_caches[i] = dropout_forward(a, self.dropout_param)
                out, relu_cache = relu_forward(a)
                caches[i] = (fc_cache, relu_cache)
            else:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                out, caches[i] = affine_norm_relu_forward(
                    out, W, b, gamma, beta, self.bn_params[i - 1], self.normalization
                )
                if self.use_dropout:
                    out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
"""),
                (BACKWARD_DROPOUT + PLAIN_BLOCK_BACKWARD, """            if self.normalization is None:
                fc_cache, relu_cache = caches[i]
                da = relu_backward(dout, relu_cache)
                if self.use_dropout:
                    da = dropout_backward(da, dropout_caches[i])
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(da, fc_cache)
"""),
                ("""            else:
                dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (""",
                 """            else:
                if self.use_dropout:
                    dout = dropout_backward(dout, dropout_caches[i])
                dout, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = (""")]),
    dict(name="net_explicit_layers", cell="FullyConnectedNet",
         edits=[(PLAIN_BLOCK, """            if self.normalization is None:
                a, fc_cache = affine_forward(out, W, b)
                out, relu_cache = relu_forward(a)
                caches[i] = (fc_cache, relu_cache)
"""),
                (PLAIN_BLOCK_BACKWARD, """            if self.normalization is None:
                fc_cache, relu_cache = caches[i]
                dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(relu_backward(dout, relu_cache), fc_cache)
""")]),
    dict(name="net_dropout_cache_list", cell="FullyConnectedNet",
         edits=[("caches, dropout_caches = {}, {}", "caches, dropout_caches = {}, []"),
                ("out, dropout_caches[i] = dropout_forward(out, self.dropout_param)",
                 "out, dropout_cache = dropout_forward(out, self.dropout_param)\n"
                 "                dropout_caches.append(dropout_cache)"),
                ("dout = dropout_backward(dout, dropout_caches[i])",
                 "dout = dropout_backward(dout, dropout_caches.pop())")]),
    dict(name="net_dropout_param_truthiness", cell="FullyConnectedNet",
         edits=[(FORWARD_DROPOUT, """            if self.dropout_param:
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
"""),
                (BACKWARD_DROPOUT, """            if self.dropout_param:
                dout = dropout_backward(dout, dropout_caches[i])
""")]),
    dict(name="net_dropout_helper_method", cell="FullyConnectedNet",
         edits=[("    def loss(self, X, y=None):\n", """    def _dropout(self, out):
        return dropout_forward(out, self.dropout_param)

    def _dropout_backward(self, dout, cache):
        return dropout_backward(dout, cache)

    def loss(self, X, y=None):
"""),
                ("out, dropout_caches[i] = dropout_forward(out, self.dropout_param)",
                 "out, dropout_caches[i] = self._dropout(out)"),
                ("dout = dropout_backward(dout, dropout_caches[i])",
                 "dout = self._dropout_backward(dout, dropout_caches[i])")]),
    dict(name="net_dropout_train_mode_only", cell="FullyConnectedNet",
         edits=[(FORWARD_DROPOUT, """            if self.use_dropout and mode == "train":
                out, dropout_caches[i] = dropout_forward(out, self.dropout_param)
""")]),
    dict(name="net_dropout_keyed_by_name", cell="FullyConnectedNet",
         edits=[("out, dropout_caches[i] = dropout_forward(", 'out, dropout_caches[f"dropout{i}"] = dropout_forward('),
                ("dout = dropout_backward(dout, dropout_caches[i])",
                 'dout = dropout_backward(dout, dropout_caches[f"dropout{i}"])')]),
]
