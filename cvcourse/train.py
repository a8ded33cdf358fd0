"""A small, device-agnostic training loop for PyTorch classifiers.

:func:`fit` trains a model for some epochs and returns a :class:`History` of the loss
and accuracy on the training and test sets after every epoch; :func:`plot_history`
draws those curves, and :class:`LivePlot` redraws them after every epoch while a model
trains in a notebook. One step of training is :func:`train_step`, the five lines every
PyTorch training loop is built around. :func:`seed_everything` makes runs repeatable.

Nothing here hard-codes a device: ``device=None`` means :func:`cvcourse.device`
(CUDA, then Apple MPS, then CPU). PyTorch is imported inside the functions that use it,
so the NumPy chapters can use :class:`History` and :func:`plot_history` without it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from ._validate import _describe, check_number

__all__ = [
    "History",
    "seed_everything",
    "train_step",
    "evaluate",
    "fit",
    "plot_history",
    "LivePlot",
]


@dataclass
class History:
    """Loss and accuracy per epoch, on the training set and (if given) the test set.

    The training figures are averaged over the epoch's batches as they were trained
    (the model changes during the epoch); the test figures are measured after it.
    ``batch_loss`` holds the loss of every training batch, in order.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def append(self, train_loss, train_acc, test_loss=None, test_acc=None) -> None:
        """Record one epoch."""
        self.train_loss.append(float(train_loss))
        self.train_acc.append(float(train_acc))
        if test_loss is not None:
            self.test_loss.append(float(test_loss))
            self.test_acc.append(float(test_acc))

    def summary(self) -> str:
        """One line about the last epoch."""
        if not self.epochs:
            return "no epochs yet"
        text = (f"epoch {self.epochs}: train loss {self.train_loss[-1]:.4f}, "
                f"train accuracy {self.train_acc[-1]:.2%}")
        if self.test_acc:
            text += f", test loss {self.test_loss[-1]:.4f}, test accuracy {self.test_acc[-1]:.2%}"
        return text


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and PyTorch's random number generators (CPU and GPU).

    Same seed, same device, same library versions: same run. (Some GPU kernels are
    not deterministic; ``torch.use_deterministic_algorithms(True)`` forbids them.)

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Examples
    --------
    >>> import torch
    >>> seed_everything(1); a = torch.rand(2)
    >>> seed_everything(1); bool((torch.rand(2) == a).all())
    True
    """
    import torch

    seed = check_number(seed, "seed", low=0, high=2**32 - 1, integer=True)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def _resolve_device(device):
    import torch

    from . import device as best_device

    return best_device() if device is None else torch.device(device)


def _check_module(model) -> None:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a PyTorch model, a torch.nn.Module; got {_describe(model)}.")


def train_step(model, images, labels, optimizer, loss_fn):
    """One step of gradient descent on one batch.

    Forward pass, loss, backward pass, update: ``optimizer.zero_grad()``,
    ``loss_fn(model(images), labels).backward()``, ``optimizer.step()``. The model must
    be in training mode (``model.train()``) and on the same device as the batch.

    Parameters
    ----------
    model : torch.nn.Module
    images, labels : torch.Tensor
        One batch, already on the model's device.
    optimizer : torch.optim.Optimizer
    loss_fn : callable
        E.g. ``torch.nn.CrossEntropyLoss()``.

    Returns
    -------
    loss : float
        The batch's loss before the update.
    outputs : torch.Tensor
        The model's outputs (detached), to count correct predictions.
    """
    _check_module(model)
    optimizer.zero_grad()
    outputs = model(images)
    loss = loss_fn(outputs, labels)
    loss.backward()
    optimizer.step()
    return loss.item(), outputs.detach()


def evaluate(model, loader, loss_fn=None, device=None):
    """Mean loss and accuracy of a classifier over a data loader, without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        Outputs one score per class.
    loader : iterable of (images, labels) batches
        E.g. a ``torch.utils.data.DataLoader``.
    loss_fn : callable, optional
        Cross-entropy by default. Must average over the batch.
    device : torch.device or str, optional
        Where to compute; :func:`cvcourse.device` by default. The model is moved there.

    Returns
    -------
    loss : float
    accuracy : float
        The fraction of examples whose highest score is the right class.
    """
    import torch

    _check_module(model)
    device = _resolve_device(device)
    loss_fn = torch.nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    model.to(device)
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            total_loss += loss_fn(outputs, labels).item() * len(labels)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            count += len(labels)
    model.train(was_training)
    if count == 0:
        raise ValueError("the loader gave no batches: is the dataset empty?")
    return total_loss / count, correct / count


def fit(model, train_loader, test_loader=None, epochs=1, optimizer=None, loss_fn=None,
        device=None, *, scheduler=None, progress=True, history=None, on_epoch=None):
    """Train a classifier for some epochs; return the loss and accuracy curves.

    Parameters
    ----------
    model : torch.nn.Module
        Moved to ``device``.
    train_loader : iterable of (images, labels) batches
        Usually a shuffling ``torch.utils.data.DataLoader``.
    test_loader : iterable of batches, optional
        Evaluated after every epoch.
    epochs : int
    optimizer : torch.optim.Optimizer, optional
        Adam with learning rate 1e-3 by default.
    loss_fn : callable, optional
        ``torch.nn.CrossEntropyLoss()`` by default.
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped once at the end of every epoch (e.g. ``StepLR``, ``CosineAnnealingLR``).
    progress : bool
        Show a progress bar (a widget in notebooks, text in a terminal, its final line
        on the website).
    history : History, optional
        Continue this history instead of starting a new one.
    on_epoch : callable, optional
        Called as ``on_epoch(history)`` after every epoch, e.g. a :class:`LivePlot`
        that redraws the curves while the model trains.

    Returns
    -------
    History

    Examples
    --------
    >>> import torch
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> seed_everything(0)
    >>> x = torch.randn(64, 2); y = (x[:, 0] > 0).long()
    >>> model = torch.nn.Linear(2, 2)
    >>> history = fit(model, DataLoader(TensorDataset(x, y), batch_size=16), epochs=20,
    ...               optimizer=torch.optim.SGD(model.parameters(), lr=0.5),
    ...               device="cpu", progress=False)
    >>> history.train_acc[-1] > 0.9
    True
    """
    import torch

    from .widgets import progress_bar

    _check_module(model)
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    device = _resolve_device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3) if optimizer is None else optimizer
    loss_fn = torch.nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    history = History() if history is None else history
    bar = progress_bar(epochs * len(train_loader), enabled=progress)
    for epoch in range(epochs):
        bar.set_description(f"epoch {epoch + 1}/{epochs}")
        model.train()
        total_loss, correct, count = 0.0, 0, 0
        for images, labels in train_loader:
            images, labels = images.to(device), labels.to(device)
            loss, outputs = train_step(model, images, labels, optimizer, loss_fn)
            history.batch_loss.append(loss)
            total_loss += loss * len(labels)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            count += len(labels)
            bar.update()
        if scheduler is not None:
            scheduler.step()
        test = evaluate(model, test_loader, loss_fn, device) if test_loader is not None else ()
        history.append(total_loss / count, correct / count, *test)
        bar.set_postfix_str(history.summary().split(": ", 1)[1])
        if on_epoch is not None:
            on_epoch(history)
    bar.close()
    return history


def plot_history(history, title=None):
    """Draw the loss and accuracy curves of a :class:`History`, train and test.

    Parameters
    ----------
    history : History
    title : str, optional
        A title above both panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not isinstance(history, History):
        raise TypeError(f"history must be a History, as fit returns; got {type(history).__name__}.")
    epochs = np.arange(1, history.epochs + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, train, test, label in ((ax_loss, history.train_loss, history.test_loss, "loss"),
                                   (ax_acc, history.train_acc, history.test_acc, "accuracy")):
        ax.plot(epochs, train, "o-", label="train")
        if test:
            ax.plot(epochs, test, "s-", label="test")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


class LivePlot:
    """Training curves that redraw in place after every epoch: pass as ``fit(..., on_epoch=)``.

    In a running notebook the figure of :func:`plot_history` is shown once and then
    replaced after each epoch (an IPython display with an id, updated in place), so the
    curves grow while the model trains. A notebook executed to a file (the course's
    website) keeps the last figure. Outside IPython it draws nothing.

    Parameters
    ----------
    title : str, optional
        A title above both panels.

    Examples
    --------
    >>> live = LivePlot("demo")
    >>> history = History(); history.append(0.5, 0.8)
    >>> live(history)  # outside a notebook: nothing to show
    >>> live.updates
    1
    """

    def __init__(self, title=None):
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string or None; got {_describe(title)}.")
        self.title = title
        self.updates = 0
        self._display = None

    def __call__(self, history):
        import matplotlib.pyplot as plt
        from IPython import get_ipython
        from IPython.display import display

        self.updates += 1
        if get_ipython() is None:
            return
        fig = plot_history(history, self.title)
        if self._display is None:
            self._display = display(fig, display_id=True)
        else:
            self._display.update(fig)
        plt.close(fig)  # the display holds the picture; closing stops a second copy at the end
