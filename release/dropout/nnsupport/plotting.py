"""Training-curve plots, as in the CS231n notebook's optimiser comparisons."""

import matplotlib.pyplot as plt


def plot_training_curves(solvers, title="Update rules compared"):
    """One figure: training loss per iteration, train and validation accuracy per epoch.

    Inputs:
    - solvers: dict mapping a label (e.g. the update rule's name) to a trained Solver
    - title: figure title

    Returns the matplotlib Figure (save it with ``fig.savefig(path)``).
    """
    fig, (ax_loss, ax_train, ax_val) = plt.subplots(3, 1, figsize=(9, 11))
    for label, solver in solvers.items():
        ax_loss.plot(solver.loss_history, "o", markersize=2, alpha=0.6, label=label)
        ax_train.plot(solver.train_acc_history, "-o", label=label)
        ax_val.plot(solver.val_acc_history, "-o", label=label)
    ax_loss.set(title="Training loss", xlabel="Iteration", ylabel="Loss")
    ax_train.set(title="Training accuracy", xlabel="Epoch", ylabel="Accuracy")
    ax_val.set(title="Validation accuracy", xlabel="Epoch", ylabel="Accuracy")
    for ax in (ax_loss, ax_train, ax_val):
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
