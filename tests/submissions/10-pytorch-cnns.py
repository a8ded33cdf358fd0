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
