"""``summary``: a layer-by-layer table of a network (output shape, parameters, multiply-adds,
receptive field), measured by running one image through it."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .._validate import _describe, check_number

__all__ = ["LayerRow", "Summary", "summary", "conv_macs"]

_GLOBAL_POOLS = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


def _check_input_shape(input_shape) -> tuple[int, int, int]:
    """Validate (channels, height, width) of one image; return it as a tuple of ints."""
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width); got {_describe(input_shape)}.")
    return tuple(check_number(v, "input_shape", low=1, high=4096, integer=True) for v in input_shape)


@dataclass(frozen=True)
class LayerRow:
    """One row of a :class:`Summary`: a layer as it ran.

    ``receptive_field`` is the side, in input pixels, of the square of the input that one
    output value can depend on, or ``None`` once every value sees the whole image (after
    global pooling or a linear layer).
    """

    name: str
    kind: str
    output_shape: tuple
    params: int
    macs: int
    receptive_field: int | None


@dataclass
class Summary:
    """What :func:`summary` measured. ``rows`` in the order the layers ran; totals for one image."""

    input_shape: tuple
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0

    def __post_init__(self):
        self.input_shape = _check_input_shape(self.input_shape)

    @property
    def total_macs(self) -> int:
        """Multiply-adds of every convolution and linear layer, for one image."""
        return sum(row.macs for row in self.rows)

    def table(self, kinds=None) -> str:
        """The table as text; ``kinds`` (names such as ``"Conv2d"``) keeps only those layers."""
        rows = [r for r in self.rows if kinds is None or r.kind in kinds]
        name_width = max([len(r.name) for r in rows] + [5])
        lines = [f"{'layer':<{name_width}}  {'type':<18} {'output':<16} {'parameters':>12} "
                 f"{'MACs':>15} {'RF':>5}"]
        for r in rows:
            field_ = "all" if r.receptive_field is None else str(r.receptive_field)
            shape = "x".join(str(s) for s in r.output_shape)
            lines.append(f"{r.name:<{name_width}}  {r.kind:<18} {shape:<16} {r.params:>12,} "
                         f"{r.macs:>15,} {field_:>5}")
        lines.append(f"total: {self.total_params:,} parameters, {self.total_macs:,} multiply-adds "
                     f"for one {'x'.join(map(str, self.input_shape))} input")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def conv_macs(conv: nn.Conv2d, output_shape) -> int:
    """Multiplications of a 2-D convolution for one image: each output value takes
    ``in_channels / groups * kernel height * kernel width`` of them."""
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"conv must be a torch.nn.Conv2d; got {_describe(conv)}.")
    kernel_h, kernel_w = conv.kernel_size
    return int(torch.Size(output_shape).numel()) * conv.in_channels // conv.groups * kernel_h * kernel_w


def _layer_geometry(module):
    """Kernel extent (with dilation) and stride of a sliding-window layer, else None."""
    if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
        kernel, stride = pair(module.kernel_size)[0], pair(module.stride)[0]
        dilation = pair(getattr(module, "dilation", 1))[0]
        return dilation * (kernel - 1) + 1, stride
    return None


class _Fields(TorchFunctionMode):
    """Carry each tensor's receptive field (size, jump) through every torch operation:
    an operation that is not a layer (addition, concatenation, flattening) gives its
    output the widest field of its inputs."""

    def __init__(self):
        super().__init__()
        self.fields = {}  # id(tensor) -> (tensor, field, jump); the tensor is kept alive

    def lookup(self, tensor):
        entry = self.fields.get(id(tensor))
        return (entry[1], entry[2]) if entry and entry[0] is tensor else (1, 1)

    def store(self, tensor, field_, jump):
        if isinstance(tensor, torch.Tensor):
            self.fields[id(tensor)] = (tensor, field_, jump)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        inputs = [a for a in list(args) + list(kwargs.values()) if isinstance(a, torch.Tensor)]
        for a in list(args):
            if isinstance(a, (list, tuple)):
                inputs += [t for t in a if isinstance(t, torch.Tensor)]
        if inputs and isinstance(out, torch.Tensor):
            known = [self.lookup(t) for t in inputs]
            widest = None if any(f is None for f, _ in known) else max(f for f, _ in known)
            self.store(out, widest, max(j for _, j in known))
        return out


def summary(model, input_shape) -> Summary:
    """Run one zero image through ``model`` and tabulate every layer.

    A row per leaf module (one without children) each time it runs: its output shape,
    its own parameters (counted the first time it runs), the multiply-adds of
    convolutions and linear layers, and the receptive field of its outputs. The field
    grows as ``r_out = r_in + (k - 1) * j_in`` with the jump ``j_out = j_in * s`` (the
    product of the strides so far), for every k x k convolution or pooling of stride s;
    where branches meet (addition, concatenation) the widest field wins. The model runs
    in evaluation mode on its own device and is left in the mode it was in.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of 3 ints
        (channels, height, width) of one image.

    Returns
    -------
    Summary
        ``rows``, ``total_params`` (all parameters of the model) and ``total_macs``.

    Examples
    --------
    >>> from cvcourse.models import LeNet5
    >>> s = summary(LeNet5(), (1, 28, 28))
    >>> s.total_params, s.rows[0].output_shape, s.rows[0].receptive_field
    (61706, (6, 28, 28), 5)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {type(model).__name__}.")
    input_shape = _check_input_shape(input_shape)
    parameters = list(model.parameters())
    where = parameters[0].device if parameters else torch.device("cpu")
    result = Summary(input_shape, total_params=sum(p.numel() for p in parameters))
    names = {module: name for name, module in model.named_modules()}
    seen = set()
    fields = _Fields()

    def record(module, inputs, output):
        if not isinstance(output, torch.Tensor):
            return
        field_, jump = fields.lookup(inputs[0]) if inputs else (1, 1)
        geometry = _layer_geometry(module)
        if field_ is not None and geometry is not None:
            field_, jump = field_ + (geometry[0] - 1) * jump, jump * geometry[1]
        elif isinstance(module, (nn.Linear, *_GLOBAL_POOLS)):
            field_ = None
        fields.store(output, field_, jump)
        macs = 0
        if isinstance(module, nn.Conv2d):
            macs = conv_macs(module, output.shape[1:])
        elif isinstance(module, nn.Linear):
            macs = output[0].numel() * module.in_features
        params = 0 if module in seen else sum(p.numel() for p in module.parameters(recurse=False))
        seen.add(module)
        result.rows.append(LayerRow(names.get(module, type(module).__name__), type(module).__name__,
                                    tuple(output.shape[1:]), params, macs, field_))

    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(record) for m in leaves]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), fields:
            model(torch.zeros((1, *input_shape), device=where))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return result
