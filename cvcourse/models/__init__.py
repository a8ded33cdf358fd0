"""PyTorch architectures of the course (Parts II-VIII), device-agnostic.

Each model is a plain ``torch.nn.Module``; move it with ``model.to(cvcourse.device())``.
"""

from .lenet import LeNet5

__all__ = ["LeNet5"]
