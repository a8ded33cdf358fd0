"""Input checks shared by every cvcourse module.

Each helper raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError``
(wrong shape, range or value) with a message that names the argument, says what was
expected and shows what came, so a student never has to read a NumPy traceback.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_array",
    "check_ndim",
    "check_channels",
    "check_finite",
    "image_as_float",
    "float_dtype_for",
    "check_number",
    "check_choice",
]


def _describe(value) -> str:
    """Short description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_array(value, name: str = "image") -> np.ndarray:
    """Return ``value`` as a NumPy array with a numeric or boolean dtype.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    numpy.ndarray
        The same data (no copy when ``value`` already is an array).

    Raises
    ------
    TypeError
        If ``value`` is ``None``, a string, or does not convert to a numeric array.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a NumPy array; got {_describe(value)}.")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a NumPy array; could not convert it ({error}).") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold numbers (bool, integer or float); got dtype {array.dtype}."
        )
    return array


def check_ndim(array: np.ndarray, ndim, name: str = "image", what: str = "") -> None:
    """Raise ``ValueError`` unless ``array.ndim`` is ``ndim`` (an int or a tuple of ints)."""
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in allowed:
        wanted = " or ".join(f"{n}-D" for n in allowed)
        hint = f" ({what})" if what else ""
        raise ValueError(
            f"{name} must be {wanted}{hint}; got {array.ndim}-D with shape {array.shape}."
        )


def check_channels(array: np.ndarray, channels: int = 3, name: str = "image") -> None:
    """Raise ``ValueError`` unless the last axis holds ``channels`` values (e.g. RGB)."""
    if array.ndim < 1 or array.shape[-1] != channels:
        extra = ""
        if channels == 3 and array.ndim == 2:
            extra = " It looks like a grayscale image, which has no colour channels."
        elif channels == 3 and array.ndim >= 1 and array.shape[-1] == 4:
            extra = " It looks like RGBA: drop the alpha channel with image[..., :3]."
        raise ValueError(
            f"{name} must have {channels} channels in its last axis, shape (..., {channels}); "
            f"got shape {array.shape}.{extra}"
        )


def check_finite(array: np.ndarray, name: str = "image") -> None:
    """Raise ``ValueError`` if a float array holds NaN or infinity, saying where."""
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))
        raise ValueError(
            f"{name} must hold finite numbers; found {len(bad)} NaN or infinite value(s), "
            f"the first at index {tuple(int(i) for i in bad[0])}."
        )


def float_dtype_for(dtype) -> np.dtype:
    """The float dtype an image of ``dtype`` is computed in (scikit-image's rule).

    float32 and float16 images stay in single precision; everything else uses float64.
    """
    dtype = np.dtype(dtype)
    if dtype in (np.float16, np.float32):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def image_as_float(image, name: str = "image", *, allow_bool: bool = False) -> np.ndarray:
    """Convert a uint8 or float image to floats in [0, 1].

    uint8 values are divided by 255. Float images must already lie in [0, 1] (a common
    mistake is a float image still holding 0-255 values, and the message says so).

    Parameters
    ----------
    image : array_like
        uint8 image, or float image with values in [0, 1] (bool too if ``allow_bool``).
    name : str
        The argument's name, used in error messages.
    allow_bool : bool
        Accept boolean images (False -> 0.0, True -> 1.0).

    Returns
    -------
    numpy.ndarray
        float64, or float32 for float16/float32 input, with values in [0, 1].

    Raises
    ------
    TypeError
        For any other dtype.
    ValueError
        For NaN, infinity, or float values outside [0, 1].
    """
    array = as_array(image, name)
    if array.dtype == np.uint8:
        return array.astype(np.float64) / 255.0
    if array.dtype == np.bool_ and allow_bool:
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        accepted = "uint8, bool or float" if allow_bool else "uint8 or float"
        raise TypeError(
            f"{name} must be {accepted} (values 0-255 for uint8, 0.0-1.0 for float); "
            f"got dtype {array.dtype}. Convert it first, e.g. skimage.util.img_as_float({name})."
        )
    check_finite(array, name)
    if array.size and (array.min() < 0 or array.max() > 1):
        hint = ""
        if array.max() > 1.5:
            hint = (
                " It looks like 0-255 values stored as floats: divide by 255, "
                "or pass the uint8 array."
            )
        raise ValueError(
            f"float {name} must lie in [0, 1]; got values from {array.min():g} to {array.max():g}."
            + hint
        )
    return array.astype(float_dtype_for(array.dtype), copy=False)


def check_number(
    value,
    name: str,
    *,
    low=None,
    high=None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
):
    """Check that ``value`` is a real (or integer) number inside the given bounds.

    Parameters
    ----------
    value : object
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    low, high : float, optional
        Bounds; ``None`` leaves that side open.
    low_inclusive, high_inclusive : bool
        Whether the bounds themselves are allowed.
    integer : bool
        Require an integer (bools are refused).

    Returns
    -------
    int or float
        ``value`` as a Python number.

    Raises
    ------
    TypeError
        If ``value`` is not a number (or not an integer when ``integer``).
    ValueError
        If ``value`` is NaN or outside the bounds.
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {wanted}; got {_describe(value)}.")
    value = int(value) if integer else float(value)
    if value != value:
        raise ValueError(f"{name} must be a number; got NaN.")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must lie in {interval}; got {value:g}.")
    return value


def check_choice(value, name: str, choices) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
