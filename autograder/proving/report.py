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
    line = (f"mistakes caught: {len(_caught(quality))}/{len(quality['mistakes'])}, "
            f"alternatives at full marks: {len(full)}/{len(quality['alternatives'])}, "
            f"forge-everything: {forge['points']:g}/{forge['max_points']:g} points")
    return line + (f" ({len(accepted)} accepted uncaught: see check_quality.md)" if accepted else "")


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def quality_report(quality):
    """The Markdown report."""
    forge = quality["forge"]
    mistakes = [(m["name"], m["cell"], m["caught_by"], f"{m['points_lost']:g} / {m['cell_points']:g}",
                 m["weakest_margin"], "yes" if m["caught"] else f"no: {m['accepted'] or 'REFUSED'}")
                for m in quality["mistakes"]]
    alternatives = [(a["name"], a["cell"], f"{a['points']:g} / {a['max_points']:g}", a["closest_check"] or "-",
                     ", ".join(a["public_failed"]) or "-") for a in quality["alternatives"]]
    heldout = [(name, m["examples"], m["threshold"], m["reference"], m.get("least_squares", "-"),
                m.get("ridge_least_squares", "-")) for name, m in forge["heldout"].items()]
    forgeable = ", ".join(f"{check} ({label})" for check, label in forge["forgeable"].items()) or "none"
    return "\n".join([
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
        _table(("alternative", "solution cell", "points", "closest passing check", "public checks it fails"),
               alternatives),
        "",
        "## Forge everything",
        "",
        f"A submission that implements nothing and emits, for every check name, its public expected value,",
        f"a least-squares fit to all public digits (accuracy checks) or zero: **{forge['points']:g} / "
        f"{forge['max_points']:g} points**. Scored checks that a blanket value (zeros, ones, a shape, a count,",
        f"any public expected value) passes: {forgeable} ({forge['forgeable_points']:g} points).",
        "",
        "Held-out accuracy checks (examples only in the grading bundle), and what linear fits to every",
        "public digit score on them. A plain least-squares fit fails; a ridge-regularised one (lambda = 10)",
        "is a known limit: on these digits a good linear classifier is almost as accurate as a network,",
        "so an accuracy threshold cannot tell them apart.",
        "",
        _table(("check", "examples", "threshold", "reference", "least squares", "ridge least squares"), heldout),
        "",
    ])
