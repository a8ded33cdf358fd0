"""cvcourse: the reference implementations behind the computer-vision course.

Modules follow scikit-image's habits: one module per topic, plain functions on NumPy
arrays, each validated against the library practitioners use. PyTorch is imported only
by the functions that need it, so the NumPy chapters start quickly.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["device", "__version__"]


def device(prefer: str | None = None):
    """Pick the fastest available PyTorch device: CUDA, then Apple MPS, then CPU.

    Parameters
    ----------
    prefer : {"cuda", "mps", "cpu"}, optional
        Ask for one device; ``"cuda"`` or ``"mps"`` fall back to the CPU (with a
        warning) when that accelerator is not present.

    Returns
    -------
    torch.device

    Examples
    --------
    >>> import cvcourse
    >>> dev = cvcourse.device()
    >>> dev.type in {"cuda", "mps", "cpu"}
    True
    """
    import warnings

    import torch

    from ._validate import check_choice

    available = {
        "cuda": torch.cuda.is_available(),
        "mps": getattr(torch.backends, "mps", None) is not None
        and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if prefer is not None:
        check_choice(prefer, "prefer", tuple(available))
        if available[prefer]:
            return torch.device(prefer)
        warnings.warn(f"{prefer} is not available here; using the CPU.", stacklevel=2)
        return torch.device("cpu")
    for name in ("cuda", "mps", "cpu"):
        if available[name]:
            return torch.device(name)
