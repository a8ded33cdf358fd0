"""cvcourse.models: LeNet-5's layer shapes and parameter counts (LeCun et al., 1998), its
options, bad input, and its accuracy on the course's MNIST split."""

from __future__ import annotations

import pytest
import torch
from cvcourse import device
from cvcourse.models import LeNet5

# (layer, output shape for one 28x28 digit, parameters): the paper's table.
LENET_TABLE = [
    ("C1", (6, 28, 28), 156),
    ("S2", (6, 14, 14), 0),
    ("C3", (16, 10, 10), 2416),
    ("S4", (16, 5, 5), 0),
    ("C5", (120, 1, 1), 48120),
    ("F6", (84,), 10164),
    ("output", (10,), 850),
]


def layer_outputs(model, x):
    """Output shape and parameter count of each named LeNet-5 layer, in order."""
    f = model.features
    c = model.classifier
    stages = [("C1", [f[0], f[1]]), ("S2", [f[2]]), ("C3", [f[3], f[4]]), ("S4", [f[5]]),
              ("C5", [f[6], f[7]]), ("F6", [c[0], c[1], c[2]]), ("output", [c[3]])]
    rows = []
    for name, modules in stages:
        for module in modules:
            x = module(x)
        params = sum(p.numel() for m in modules for p in m.parameters())
        rows.append((name, tuple(x.shape[1:]), params))
    return rows


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("pooling", ["avg", "max"])
def test_lenet5_layer_table(activation, pooling):
    model = LeNet5(activation=activation, pooling=pooling)
    assert layer_outputs(model, torch.zeros(1, 1, 28, 28)) == LENET_TABLE
    assert sum(p.numel() for p in model.parameters()) == 61706
    kinds = {type(m) for m in model.modules()}
    assert {torch.nn.Tanh: activation == "tanh", torch.nn.ReLU: activation == "relu",
            torch.nn.AvgPool2d: pooling == "avg", torch.nn.MaxPool2d: pooling == "max"} == {
        k: k in kinds for k in (torch.nn.Tanh, torch.nn.ReLU, torch.nn.AvgPool2d, torch.nn.MaxPool2d)}


def test_lenet5_takes_32x32_input_without_padding_and_runs_on_the_course_device():
    dev = device()
    model = LeNet5(padding=0, num_classes=4, in_channels=3).to(dev)
    assert model(torch.zeros(5, 3, 32, 32, device=dev)).shape == (5, 4)


def test_lenet5_bad_input():
    with pytest.raises(ValueError, match="activation must be one of"):
        LeNet5(activation="sigmoid")
    with pytest.raises(ValueError, match="pooling must be one of"):
        LeNet5(pooling="min")
    with pytest.raises(ValueError, match="num_classes must lie in"):
        LeNet5(num_classes=0)
    model = LeNet5()
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*unsqueeze"):
        model(torch.zeros(1, 28, 28))
    with pytest.raises(ValueError, match="28x28 inputs with padding=2"):
        model(torch.zeros(1, 1, 32, 32))


@pytest.fixture
def one_cpu_thread():
    """One PyTorch thread: under pytest-xdist two workers share two cores, and two threads per
    worker wait for each other (several times slower)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.slow
def test_lenet5_reaches_97_percent_on_the_mnist_split(one_cpu_thread):
    from cvcourse.data.datasets import MNISTSubset
    from cvcourse.train import fit, seed_everything
    from torch.utils.data import DataLoader
    from torchvision.transforms import v2

    seed_everything(0)
    train_set = MNISTSubset("train", transform=v2.RandomCrop(28, padding=2))
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
    test_loader = DataLoader(MNISTSubset("test"), batch_size=500)
    model = LeNet5(activation="relu", pooling="max")
    epochs = 12
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history = fit(model, train_loader, test_loader, epochs, optimizer, scheduler=scheduler,
                  progress=False)
    print(f"LeNet-5 test accuracy: {history.test_acc[-1]:.1%}")
    assert history.test_acc[-1] >= 0.97, history.test_acc
