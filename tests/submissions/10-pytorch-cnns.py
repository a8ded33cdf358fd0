"""Round-trip submissions for chapter 10 (see tests/test_roundtrip.py)."""

# A classic mistake: the gradients are never cleared, so each step uses the sum of all
# the gradients so far (the first step is right, the later ones are not).
WRONG = (
    "train_step",
    '''
def train_step(model, images, labels, optimizer, loss_fn):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()
''',
)

# Only wraps the reference implementation.
CHEAT = (
    "lenet5",
    '''
from cvcourse.models import LeNet5 as Reference

class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = Reference(activation="relu", pooling="max")

    def forward(self, x):
        return self.net(x)
''',
)

# Dishonest students (see tests/submissions/02-filtering.py).
ATTACKS = {
    # The course's LeNet5 swapped for a dummy class so that the test's isinstance check passes,
    # and the profiler switched off around the course's training step.
    "patcher": {
        "lenet5": '''
def _swap(module, value):
    module.LeNet5 = value
real = models.LeNet5
_swap(models, type("Dummy", (), {}))
class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = real()
    def forward(self, x):
        return self.inner(x)
''',
        "train_step": '''
import sys
def train_step(model, images, labels, optimizer, loss_fn):
    sys.setprofile(None)
    return train.train_step(model, images, labels, optimizer, loss_fn)[0]
''',
    },
    # A hang and a crash.
    "crash": {
        "train_step": "def train_step(model, images, labels, optimizer, loss_fn):\n    while True:\n        pass\n",
        "accuracy": '''
import ctypes
def accuracy(model, loader):
    return float(ctypes.string_at(0))
''',
    },
}
