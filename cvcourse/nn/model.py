"""A NumPy network: layers in sequence, SGD with momentum, a training loop, parameter counts."""

from __future__ import annotations

import numpy as np

from .._validate import _describe, as_array, check_number, random_generator
from .layers import Conv2D, Dense, Flatten, Layer, Pool2D, ReLU, softmax_cross_entropy

__all__ = [
    "Sequential",
    "SGD",
    "train_step",
    "evaluate",
    "fit",
    "small_cnn",
    "conv_param_count",
    "dense_param_count",
    "count_parameters",
]


def _check_model(model, name: str = "model", needs=("forward", "backward", "named_parameters")):
    """Raise ``TypeError`` unless ``model`` has the methods of a NumPy model (e.g. Sequential).

    Examples
    --------
    >>> _check_model("my model")
    Traceback (most recent call last):
    ...
    TypeError: model must be a NumPy model such as cvcourse.nn.Sequential, with forward, backward and named_parameters methods; got str 'my model'.
    """
    if not all(callable(getattr(model, method, None)) for method in needs):
        raise TypeError(
            f"{name} must be a NumPy model such as cvcourse.nn.Sequential, with "
            f"{', '.join(needs[:-1])} and {needs[-1]} methods; got {_describe(model)}."
        )


class Sequential:
    """Layers applied one after the other; the backward pass runs them in reverse.

    Parameters
    ----------
    *layers : Layer
        E.g. ``Conv2D``, ``ReLU``, ``Pool2D``, ``Flatten``, ``Dense``.

    Examples
    --------
    >>> from cvcourse.nn import Dense, ReLU
    >>> model = Sequential(Dense(4, 3, rng=0), ReLU(), Dense(3, 2, rng=1))
    >>> model.forward(np.ones((5, 4), np.float32)).shape
    (5, 2)
    >>> [name for name, _ in model.named_parameters()]
    ['0.w', '0.b', '2.w', '2.b']
    """

    def __init__(self, *layers):
        for index, layer in enumerate(layers):
            _check_model(layer, f"layers[{index}]", needs=("forward", "backward"))
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dout):
        """Backpropagate ``dout`` (gradient of the loss w.r.t. the output); fills each layer's grads."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def named_parameters(self):
        """``(name, array)`` for every weight array, named ``"<layer index>.<name>"`` as in PyTorch."""
        for index, layer in enumerate(self.layers):
            for name, value in layer.params.items():
                yield f"{index}.{name}", value

    def named_gradients(self):
        """``(name, gradient)`` after a backward pass, in the order of :meth:`named_parameters`."""
        for index, layer in enumerate(self.layers):
            for name in layer.params:
                yield f"{index}.{name}", layer.grads[name]

    def predict(self, x, batch_size=500) -> np.ndarray:
        """The class with the highest score for every example, computed in batches."""
        return np.concatenate([self.forward(x[i:i + batch_size]).argmax(axis=1)
                               for i in range(0, len(x), batch_size)])

    def __repr__(self):
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


class SGD:
    """Stochastic gradient descent with momentum, in PyTorch's form.

    For every parameter ``p`` with gradient ``g``: ``v = momentum * v + g`` (plus
    ``weight_decay * p`` in ``g``), then ``p -= lr * v``. The velocity ``v`` remembers
    past gradients, so steps grow along directions where the gradient keeps its sign
    and cancel where it oscillates. Identical to ``torch.optim.SGD`` with the same
    arguments.

    Parameters
    ----------
    model : Sequential
    lr : float
        Learning rate, > 0.
    momentum : float
        In [0, 1); 0 gives plain SGD.
    weight_decay : float
        L2 penalty coefficient, >= 0.
    """

    def __init__(self, model, lr=0.01, momentum=0.9, weight_decay=0.0):
        if not isinstance(model, Sequential):
            raise TypeError(f"model must be a cvcourse.nn.Sequential; got {_describe(model)}.")
        self.model = model
        self.lr = check_number(lr, "lr", low=0, low_inclusive=False)
        self.momentum = check_number(momentum, "momentum", low=0, high=1, high_inclusive=False)
        self.weight_decay = check_number(weight_decay, "weight_decay", low=0)
        self._velocity = {}

    def step(self):
        """Update every parameter in place from the gradients of the last backward pass."""
        for index, layer in enumerate(self.model.layers):
            for name, param in layer.params.items():
                grad = layer.grads[name]
                if self.weight_decay:
                    grad = grad + self.weight_decay * param
                velocity = self._velocity.get((index, name))
                velocity = grad.copy() if velocity is None else self.momentum * velocity + grad
                self._velocity[(index, name)] = velocity
                param -= self.lr * velocity


def train_step(model, images, labels, optimizer):
    """One step of SGD on a batch: forward, softmax cross-entropy, backward, update.

    Returns
    -------
    loss : float
        The batch's loss before the update.
    logits : numpy.ndarray
    """
    _check_model(model)
    logits = model.forward(images)
    loss, dlogits = softmax_cross_entropy(logits, labels)
    model.backward(dlogits)
    optimizer.step()
    return loss, logits


def evaluate(model, images, labels, batch_size=500):
    """Mean softmax cross-entropy and accuracy of ``model`` on a data set.

    Returns
    -------
    loss : float
    accuracy : float
    """
    _check_model(model, needs=("forward",))
    images, labels = _check_data(images, labels)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    total_loss, correct = 0.0, 0
    for start in range(0, len(images), batch_size):
        logits = model.forward(images[start:start + batch_size])
        batch_labels = labels[start:start + batch_size]
        total_loss += softmax_cross_entropy(logits, batch_labels)[0] * len(batch_labels)
        correct += int((logits.argmax(axis=1) == batch_labels).sum())
    return total_loss / len(images), correct / len(images)


def fit(model, images, labels, test_images=None, test_labels=None, *, epochs=1,
        batch_size=64, optimizer=None, seed=0, progress=True, history=None):
    """Train a NumPy model with minibatch SGD; return the loss and accuracy curves.

    Parameters
    ----------
    model : Sequential
        Ends in a layer giving one score per class.
    images : numpy.ndarray, shape (N, C, H, W)
        Training inputs (float32 for speed).
    labels : numpy.ndarray of int, shape (N,)
    test_images, test_labels : numpy.ndarray, optional
        Evaluated after every epoch.
    epochs, batch_size : int
    optimizer : SGD, optional
        ``SGD(model, lr=0.01, momentum=0.9)`` by default.
    seed : int
        Seeds the shuffling of the training set at every epoch.
    progress : bool
        Show a progress bar.
    history : cvcourse.train.History, optional
        Continue this history.

    Returns
    -------
    cvcourse.train.History
        The same record :func:`cvcourse.train.fit` returns for PyTorch models.

    Notes
    -----
    BLAS (the library behind NumPy's matrix products) runs on one thread while this
    trains: the matrices of a small CNN are too small for more threads to pay off, and
    on a busy machine the extra threads wait for each other and slow training down
    several times.
    """
    from threadpoolctl import threadpool_limits

    from ..train import History
    from ..widgets import progress_bar

    _check_model(model)
    images, labels = _check_data(images, labels)
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    optimizer = SGD(model) if optimizer is None else optimizer
    history = History() if history is None else history
    rng = random_generator(seed)
    n_batches = -(-len(images) // batch_size)
    bar = progress_bar(epochs * n_batches, enabled=progress)
    with threadpool_limits(limits=1, user_api="blas"):
        for epoch in range(epochs):
            bar.set_description(f"epoch {epoch + 1}/{epochs}")
            order = rng.permutation(len(images))
            total_loss, correct = 0.0, 0
            for start in range(0, len(images), batch_size):
                batch = order[start:start + batch_size]
                loss, logits = train_step(model, images[batch], labels[batch], optimizer)
                history.batch_loss.append(loss)
                total_loss += loss * len(batch)
                correct += int((logits.argmax(axis=1) == labels[batch]).sum())
                bar.update()
            test = () if test_images is None else evaluate(model, test_images, test_labels)
            history.append(total_loss / len(images), correct / len(images), *test)
            bar.set_postfix_str(history.summary().split(": ", 1)[1])
    bar.close()
    return history


def _check_data(images, labels):
    """A batch of images and one label per image, as arrays."""
    images = as_array(images, "images")
    labels = as_array(labels, "labels")
    if images.ndim == 0 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"images and labels must hold one label per image; got images of shape "
            f"{images.shape} and labels of shape {labels.shape}."
        )
    if len(images) == 0:
        raise ValueError("images is empty; there is nothing to train on or evaluate.")
    return images, labels


def small_cnn(seed=0, dtype=np.float32) -> Sequential:
    """The NumPy CNN of chapter 09 for 28x28 digits, and its PyTorch twin in chapter 10.

    ``Conv2D(1, 16, 5) - ReLU - MaxPool 2 - Conv2D(16, 32, 5) - ReLU - MaxPool 2 -
    Flatten - Dense(512, 10)``: 1x28x28 -> 16x24x24 -> 16x12x12 -> 32x8x8 -> 32x4x4 ->
    512 -> 10 class scores; 18,378 parameters.

    Parameters
    ----------
    seed : int
        Seeds the initial weights.
    dtype : numpy dtype
        float32 to train, float64 to check gradients.

    Examples
    --------
    >>> count_parameters(small_cnn())
    18378
    """
    rng = random_generator(seed)
    return Sequential(
        Conv2D(1, 16, 5, rng=rng, dtype=dtype), ReLU(), Pool2D(2),
        Conv2D(16, 32, 5, rng=rng, dtype=dtype), ReLU(), Pool2D(2),
        Flatten(), Dense(32 * 4 * 4, 10, rng=rng, dtype=dtype),
    )


def conv_param_count(f, in_channels, n_filters, bias=True) -> int:
    """Learnt numbers in a convolution layer: ``(f * f * in_channels + 1) * n_filters``.

    Each of the ``n_filters`` filters has ``f x f x in_channels`` weights and one bias,
    whatever the size of the image it slides over.

    Examples
    --------
    >>> conv_param_count(3, 3, 10)   # ten 3x3 filters over an RGB image
    280
    """
    f = check_number(f, "f", low=1, integer=True)
    in_channels = check_number(in_channels, "in_channels", low=1, integer=True)
    n_filters = check_number(n_filters, "n_filters", low=1, integer=True)
    return (f * f * in_channels + bool(bias)) * n_filters


def dense_param_count(in_features, out_features, bias=True) -> int:
    """Learnt numbers in a fully connected layer: ``(in_features + 1) * out_features``.

    Examples
    --------
    >>> dense_param_count(32 * 32 * 3, 28 * 28 * 6)   # a dense layer in place of a 5x5 conv
    14455392
    """
    in_features = check_number(in_features, "in_features", low=1, integer=True)
    out_features = check_number(out_features, "out_features", low=1, integer=True)
    return (in_features + bool(bias)) * out_features


def count_parameters(model) -> int:
    """Number of learnt values in a NumPy model or layer, or in a PyTorch module.

    Examples
    --------
    >>> count_parameters(Dense(10, 3))
    33
    """
    if isinstance(model, Sequential):
        return sum(int(np.size(p)) for _, p in model.named_parameters())
    if isinstance(model, Layer):
        return sum(int(np.size(p)) for p in model.params.values())
    if callable(getattr(model, "parameters", None)):  # a torch.nn.Module
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    raise TypeError(
        "count_parameters: model must be a cvcourse.nn layer or Sequential, or a "
        f"torch.nn.Module; got {_describe(model)}."
    )
