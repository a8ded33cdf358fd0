"""cvcourse.train: the PyTorch training loop, evaluation, history, curves and seeding."""

from __future__ import annotations

import random

import matplotlib
import numpy as np
import pytest
import torch
from cvcourse import device, train
from torch.utils.data import DataLoader, TensorDataset


def blobs(n=200, seed=0):
    """Two well-separated Gaussian blobs in 2-D: a problem any classifier solves."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=generator)
    points = torch.randn(n, 2, generator=generator) * 0.5 + (labels[:, None] * 2.0 - 1.0) * 2
    return TensorDataset(points, labels)


def loaders(batch_size=32):
    return (DataLoader(blobs(200, 0), batch_size=batch_size, shuffle=True,
                       generator=torch.Generator().manual_seed(0)),
            DataLoader(blobs(100, 1), batch_size=50))


def test_seed_everything_makes_every_generator_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    train.seed_everything(3)
    first = draw()
    train.seed_everything(3)
    assert draw() == first
    with pytest.raises(ValueError, match="seed must lie in"):
        train.seed_everything(-1)


def test_fit_learns_and_records_one_entry_per_epoch():
    train.seed_everything(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    train_loader, test_loader = loaders()
    history = train.fit(model, train_loader, test_loader, epochs=4,
                        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                        device="cpu", progress=False)
    assert history.epochs == 4 and len(history.batch_loss) == 4 * len(train_loader)
    assert len(history.test_loss) == len(history.test_acc) == len(history.train_acc) == 4
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] >= 0.95
    assert "epoch 4" in history.summary()
    # The test figures are those evaluate() gives for the trained model.
    loss, accuracy = train.evaluate(model, test_loader, device="cpu")
    assert loss == pytest.approx(history.test_loss[-1]) and accuracy == history.test_acc[-1]


def test_fit_is_reproducible_and_continues_a_history():
    def run():
        train.seed_everything(1)
        model = torch.nn.Linear(2, 2)
        return train.fit(model, loaders()[0], epochs=2, device="cpu", progress=False), model

    (first, model), (second, _) = run(), run()
    assert first.train_loss == second.train_loss and first.test_acc == []
    more = train.fit(model, loaders()[0], epochs=1, device="cpu", progress=False, history=first)
    assert more is first and first.epochs == 3


def test_fit_defaults_to_the_course_device_and_steps_the_scheduler():
    train.seed_everything(0)
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train.fit(model, loaders()[0], epochs=2, optimizer=optimizer, scheduler=scheduler, progress=False)
    assert next(model.parameters()).device.type == device().type
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.025)


def test_fit_shows_a_progress_bar(capsys):
    train.seed_everything(0)
    train.fit(torch.nn.Linear(2, 2), loaders()[0], epochs=1, device="cpu", progress=True)
    assert "epoch 1/1" in capsys.readouterr().err


def test_train_step_is_one_gradient_step():
    train.seed_everything(2)
    model = torch.nn.Linear(2, 2)
    twin = torch.nn.Linear(2, 2)
    twin.load_state_dict(model.state_dict())
    images, labels = blobs(16)[:]
    loss_fn = torch.nn.CrossEntropyLoss()
    loss, outputs = train.train_step(model, images, labels,
                                     torch.optim.SGD(model.parameters(), lr=0.5), loss_fn)
    expected = loss_fn(twin(images), labels)
    expected.backward()
    assert loss == pytest.approx(expected.item())
    assert not outputs.requires_grad and outputs.shape == (16, 2)
    with torch.no_grad():
        for p, q in zip(model.parameters(), twin.parameters()):
            torch.testing.assert_close(p, q - 0.5 * q.grad)


def test_evaluate_restores_training_mode_and_refuses_empty_loaders():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    model.train()
    train.evaluate(model, loaders()[1], device="cpu")
    assert model.training
    with pytest.raises(ValueError, match="no batches"):
        train.evaluate(model, [], device="cpu")


def test_plot_history():
    matplotlib.use("Agg")
    history = train.History()
    for epoch in range(3):
        history.append(1.0 / (epoch + 1), 0.5 + 0.1 * epoch, 1.2 / (epoch + 1), 0.45 + 0.1 * epoch)
    fig = train.plot_history(history, title="demo")
    assert len(fig.axes) == 2 and all(len(ax.lines) == 2 for ax in fig.axes)
    with pytest.raises(TypeError, match="History"):
        train.plot_history({"train_loss": [1.0]})


def test_fit_calls_on_epoch_and_live_plot_redraws_one_display(monkeypatch):
    import IPython
    import IPython.display
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")
    shown = []

    class Handle:
        def update(self, figure):
            shown.append(("update", figure))

    def fake_display(figure, display_id=False):
        assert display_id is True, "LivePlot must ask for a display id to update in place"
        shown.append(("display", figure))
        return Handle()

    monkeypatch.setattr(IPython, "get_ipython", lambda: object())  # as in a running notebook
    monkeypatch.setattr(IPython.display, "display", fake_display)
    live, epochs_seen = train.LivePlot("demo"), []

    def on_epoch(history):
        epochs_seen.append(history.epochs)
        live(history)

    train.seed_everything(0)
    model = torch.nn.Linear(2, 2)
    train.fit(model, *loaders(), epochs=3, device="cpu", progress=False, on_epoch=on_epoch)
    assert epochs_seen == [1, 2, 3] and live.updates == 3
    assert [kind for kind, _ in shown] == ["display", "update", "update"]
    last = shown[-1][1]
    assert len(last.axes[0].lines[0].get_xdata()) == 3 and last._suptitle.get_text() == "demo"
    assert not plt.fignum_exists(last.number), "the figure is closed once handed to the display"


def test_live_plot_draws_nothing_outside_ipython():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    history = train.History()
    history.append(0.5, 0.8)
    live = train.LivePlot()
    live(history)
    assert live.updates == 1 and plt.get_fignums() == before


def test_fit_bad_input():
    with pytest.raises(ValueError, match="epochs must lie in"):
        train.fit(torch.nn.Linear(2, 2), loaders()[0], epochs=0, device="cpu", progress=False)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        train.fit(torch.nn.Linear(2, 2), loaders()[0], epochs=1.5, device="cpu", progress=False)
