"""torchvision's own test cases for its classification models (test/test_models.py,
``test_classification_model``), carried over to the course's architectures.

torchvision builds each model with ``num_classes=50``, runs a (1, 3, 224, 224) batch in eval
mode, compares the output with a stored expectation, checks the output's last dimension and that
a gradient reaches the input (``_check_input_backprop``). The course's models start from their
own random weights, so the stored expectation becomes torchvision's model holding the same
weights. Not carried: TorchScript and torch.fx checks (the course's ``forward`` validates its
input with Python conditions that scripting does not support), and the cases that need
downloaded weights or options the course does not offer (dilation, memory-efficient DenseNet,
custom inverted-residual settings, quantisation).
"""

from __future__ import annotations

import pytest
import torch
import torchvision.models as tv
from cvcourse import models

# (ours, torchvision's builder with its test-suite keyword arguments)
MODELS = {
    "alexnet": (models.alexnet, tv.alexnet, {}),
    "vgg11": (models.vgg11, tv.vgg11, {}),
    "vgg16": (models.vgg16, tv.vgg16, {}),
    "googlenet": (models.googlenet, tv.googlenet, {"aux_logits": False, "init_weights": True}),
    "resnet18": (models.resnet18, tv.resnet18, {}),
    "resnet34": (models.resnet34, tv.resnet34, {}),
    "resnet50": (models.resnet50, tv.resnet50, {}),
    "densenet121": (models.densenet121, tv.densenet121, {}),
    "mobilenet_v2": (models.mobilenet_v2, tv.mobilenet_v2, {}),
    "efficientnet_b0": (models.efficientnet_b0, tv.efficientnet_b0, {}),
}


def _check_input_backprop(model, inputs):
    """torchvision's check: a gradient flows back to the input."""
    inputs = inputs.detach().clone().requires_grad_(True)
    out = model(inputs)
    out.mean().backward()
    assert inputs.grad is not None and inputs.grad.abs().sum() > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_classification_model(name):
    torch.manual_seed(0)
    ours_fn, theirs_fn, kwargs = MODELS[name]
    num_classes = 50
    model = ours_fn(num_classes=num_classes).eval()
    reference = theirs_fn(weights=None, num_classes=num_classes, **kwargs).eval()
    reference.load_state_dict(model.state_dict())
    x = torch.rand(1, 3, 224, 224)
    out = model(x)
    assert out.shape[-1] == num_classes
    torch.testing.assert_close(out, reference(x), rtol=1e-5, atol=1e-5)
    _check_input_backprop(model, x)
