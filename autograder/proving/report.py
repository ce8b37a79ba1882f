"""The check-quality report: what the gate proved, as one summary line and as Markdown.

``grading_bundle/<assignment>/check_quality.md`` (and ``.json``, the same data) is
written by every ``autograder release`` and committed with the bundle, so a change in
how well the checks catch mistakes shows up as a readable diff.
"""


def _caught(quality):
    return [m for m in quality["mistakes"] if m["caught"]]


def summary_line(quality):
    forge = quality["forge"]
    full = [a for a in quality["alternatives"] if a["points"] >= a["max_points"]]
    accepted = [m for m in quality["mistakes"] if not m["caught"] and m["accepted"]]
    line = (
        f"mistakes caught: {len(_caught(quality))}/{len(quality['mistakes'])}, "
        f"alternatives at full marks: {len(full)}/{len(quality['alternatives'])}, "
        f"forge-everything: {forge['points']:g}/{forge['max_points']:g} points, "
        f"forged training: {forge['training_points']:g}/{forge['max_points']:g} points"
    )
    return line + (f" ({len(accepted)} accepted uncaught: see check_quality.md)" if accepted else "")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def quality_report(quality):
    """The Markdown report."""
    forge = quality["forge"]
    mistakes = [
        (
            m["name"],
            m["cell"],
            m["caught_by"],
            f"{m['points_lost']:g} / {m['cell_points']:g}",
            m["weakest_margin"],
            "yes" if m["caught"] else f"no: {m['accepted'] or 'REFUSED'}",
        )
        for m in quality["mistakes"]
    ]
    alternatives = [
        (
            a["name"],
            a["cell"],
            f"{a['points']:g} / {a['max_points']:g}",
            a["closest_check"] or "-",
            ", ".join(a["public_failed"]) or "-",
        )
        for a in quality["alternatives"]
    ]
    heldout = [(name, m["examples"], m["threshold"], m["reference"]) for name, m in forge["heldout"].items()]
    forgeries = [
        (
            name,
            f["shortcut"].replace("_", " "),
            _FITTED_ON[f["fitted_on"]],
            f"{f['accuracy']:.4f}",
            m["threshold"],
            m["reference"],
            _verdict(f, m["threshold"]),
        )
        for name, m in forge["heldout"].items()
        for f in m["forgeries"]
    ]
    forgeable = ", ".join(f"{check} ({label})" for check, label in forge["forgeable"].items()) or "none"
    return "\n".join(
        [
            f"# Check quality: {quality['assignment']}",
            "",
            "Written by `autograder release` (see `autograder/proving/`): the library of mistakes and",
            "correct alternatives in `mistakes.py`, run through the grading path. A mistake is caught",
            "when it loses at least a quarter of its test cell's points with failing scored checks whose",
            "error is at least 100x their tolerance (or that fail on shape, dtype, structure, NaN or a",
            "property of the parameters; on an accuracy check, an error rate at least twice the allowed",
            "one). The weakest margin is the failing check that completes that quarter.",
            "",
            f"**{summary_line(quality)}**",
            "",
            "## Mistakes",
            "",
            _table(("mistake", "solution cell", "test cell", "points lost", "weakest margin", "caught"), mistakes),
            "",
            "## Correct alternatives",
            "",
            "Public checks are feedback only (their expected values ship with the release): an alternative",
            "may fail one, e.g. by returning float64 for float32 inputs, which the notebook advises against.",
            "",
            _table(
                ("alternative", "solution cell", "points", "closest passing check", "public checks it fails"),
                alternatives,
            ),
            "",
            "## Forge everything",
            "",
            "A submission that implements nothing and emits, for every check name, its public expected value,",
            "for an accuracy check the best classifier that is not a trained network (below), or zero:",
            f"**{forge['points']:g} / {forge['max_points']:g} points**. "
            "Scored checks that a blanket value (zeros, ones,",
            f"a shape, a count, any public expected value) passes: {forgeable} ({forge['forgeable_points']:g} points).",
            "",
            "A second forger implements nothing either but takes over the course's `Solver`: its `train()`",
            "installs the best classifier that is not a trained network, fitted to the examples it is handed,",
            "and `FullyConnectedNet` only holds parameters: "
            f"**{forge['training_points']:g} / {forge['max_points']:g} points**.",
            "",
            "### Accuracy checks on held-out examples",
            "",
            "Examples only in the grading bundle; the reference's accuracy on them is the expected value.",
            "",
            _table(("check", "examples", "threshold", "reference"), heldout),
            "",
            "What classifiers that are not trained networks score on them (`autograder/proving/shortcuts.py`),",
            "each with the setting that did best on the validation examples of the data it was fitted to:",
            "fitted by the first forger to the public data set the test cell names, and by the second to the",
            "very examples the test cell trains on (the second also records a network that scikit-learn",
            "trains on them). The release is refused if any reaches the threshold, except a known limit,",
            "which is reported with its reason.",
            "",
            _table(("check", "classifier", "fitted to", "accuracy", "threshold", "reference", "verdict"), forgeries),
            "",
            *[f"- Known limit ({', '.join(names)}): {reason}." for reason, names in _known_limits(forge)],
            "",
            *_mutants_section(quality["mutants"]),
        ]
    )


def _mutants_section(mutants):
    """Survivors, accepted mutants and the weakest kills of the release's mutation run."""

    def table(header, entries, last):
        rows = [(m["name"], m["test_cell"] or "-", f"{m['share_lost']:.0%}", m[last] or "-") for m in entries]
        return _table(header, rows) if rows else "None."

    return [
        "## Mutants",
        "",
        "Mutants of every solution cell, generated from the reference (`autograder/proving/mutants.py`;",
        "`autograder mutants` runs them alone). One that gives the reference's values on random inputs is",
        "equivalent; every other one must lose points or be accepted in `mutants.py` with a reason.",
        "",
        f"**{mutants['summary']}**",
        "",
        f"Diagnoses learned: the values of {mutants.get('learned', 0)} killed mutants on the checks they fail "
        "are diagnosis candidates in the grading bundle (`autograder/proving/learned.py`).",
        "",
        "### Survivors",
        "",
        table(("mutant", "test cell", "share lost", "margin"), mutants["survivors"], "margin_text"),
        "",
        "### Accepted",
        "",
        table(("mutant", "test cell", "share lost", "reason"), mutants["accepted"], "accepted"),
        "",
        "### Weakest kills",
        "",
        table(("mutant", "test cell", "share of the cell lost", "margin"), mutants["weakest"], "margin_text"),
        "",
    ]


_FITTED_ON = {"public": "public data", "graded": "graded training examples"}


def _verdict(forgery, threshold):
    if forgery["accuracy"] < threshold:
        return "below the threshold"
    return "reaches it: KNOWN LIMIT (below)" if forgery["known_limit"] else "reaches it: REFUSED"


def _known_limits(forge):
    """[(reason, [classifier, ...])] for the known limits that reach a threshold."""
    limits = {}
    for measure in forge["heldout"].values():
        for forgery in measure["forgeries"]:
            if forgery["known_limit"] and forgery["accuracy"] >= measure["threshold"]:
                names = limits.setdefault(forgery["known_limit"], [])
                if forgery["shortcut"].replace("_", " ") not in names:
                    names.append(forgery["shortcut"].replace("_", " "))
    return sorted(limits.items())
