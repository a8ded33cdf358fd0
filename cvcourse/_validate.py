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
    "check_not_empty",
    "finite_image",
    "grayscale",
    "same_shape",
    "image_as_float",
    "grayscale_as_float",
    "float_dtype_for",
    "as_float_values",
    "check_number",
    "check_choice",
    "check_callable",
    "random_generator",
]

#: What :func:`grayscale` asks for when an image has the wrong number of axes.
_GRAYSCALE = "a grayscale image, shape (rows, columns)"


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
    # A sum is finite only when every value is (NaN and infinity spread through it), and
    # summing is much cheaper than np.isfinite's boolean array: look closer only then.
    if array.dtype.kind == "f" and not np.isfinite(array.sum()) and not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))
        raise ValueError(
            f"{name} must hold finite numbers; found {len(bad)} NaN or infinite value(s), "
            f"the first at index {tuple(int(i) for i in bad[0])}."
        )


def check_not_empty(array: np.ndarray, name: str = "image") -> None:
    """Raise ``ValueError`` if ``array`` has no elements (an image needs a pixel)."""
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one pixel.")


def finite_image(image, name: str = "image", *, ndim=2, what: str = _GRAYSCALE) -> np.ndarray:
    """Return ``image`` as a non-empty array of finite numbers with ``ndim`` axes.

    The values and dtype are kept as they are (bool included).

    Parameters
    ----------
    image : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int
        The allowed numbers of axes.
    what : str
        What such an array is, for the message when ``ndim`` is wrong.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If ``image`` does not hold numbers.
    ValueError
        If it has another number of axes, no pixel, or NaN or infinite values.

    Examples
    --------
    >>> finite_image(np.zeros((2, 3, 3)), ndim=(2, 3)).shape
    (2, 3, 3)
    """
    array = as_array(image, name)
    check_ndim(array, ndim, name, what)
    check_not_empty(array, name)
    check_finite(array, name)
    return array


def grayscale(image, name: str = "image") -> np.ndarray:
    """Return ``image`` as a 2-D grayscale array of finite numbers, values unchanged.

    Like :func:`finite_image` with two axes, and an array of shape (rows, columns, 3 or 4)
    gets a message saying it looks like colour and how to convert it.

    Parameters
    ----------
    image : array_like, shape (rows, columns)
        Any numeric or boolean dtype.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    numpy.ndarray
        The same data and dtype (no copy when ``image`` already is an array).

    Raises
    ------
    TypeError
        If ``image`` does not hold numbers.
    ValueError
        If it is not 2-D, is empty, or holds NaN or infinity.

    Examples
    --------
    >>> grayscale(np.zeros((2, 3), dtype=np.uint8)).dtype
    dtype('uint8')
    >>> grayscale(np.zeros((2, 3, 3)))
    Traceback (most recent call last):
    ...
    ValueError: image must be a 2-D grayscale image; got shape (2, 3, 3), which looks like colour. Convert it first, e.g. cvcourse.color.rgb_to_gray.
    """
    array = as_array(image, name)
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        raise ValueError(
            f"{name} must be a 2-D grayscale image; got shape {array.shape}, which looks "
            "like colour. Convert it first, e.g. cvcourse.color.rgb_to_gray."
        )
    return finite_image(array, name)


def same_shape(first, second, names=("first", "second")) -> tuple[np.ndarray, np.ndarray]:
    """Return two arrays of finite numbers that have one shape (e.g. a result and its truth).

    Parameters
    ----------
    first, second : array_like
        What the caller passed.
    names : (str, str)
        The arguments' names, used in error messages.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Both, as arrays, values and dtypes unchanged.

    Raises
    ------
    TypeError
        If either does not hold numbers.
    ValueError
        If their shapes differ or either holds NaN or infinity.

    Examples
    --------
    >>> same_shape(np.zeros((2, 2)), np.ones((2, 3)), ("prediction", "truth"))
    Traceback (most recent call last):
    ...
    ValueError: prediction and truth must have the same shape; got (2, 2) and (2, 3).
    """
    a, b = as_array(first, names[0]), as_array(second, names[1])
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape; got {a.shape} and {b.shape}."
        )
    check_finite(a, names[0])
    check_finite(b, names[1])
    return a, b


def float_dtype_for(dtype) -> np.dtype:
    """The float dtype an image of ``dtype`` is computed in (scikit-image's rule).

    float32 and float16 images stay in single precision; everything else uses float64.
    """
    dtype = np.dtype(dtype)
    if dtype in (np.float16, np.float32):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_float_values(array: np.ndarray) -> np.ndarray:
    """The same values as floats, in the dtype :func:`float_dtype_for` picks (no rescaling).

    Examples
    --------
    >>> as_float_values(np.array([0, 255], dtype=np.uint8))
    array([  0., 255.])
    """
    return array.astype(float_dtype_for(array.dtype), copy=False)


def _scaled_to_float(array: np.ndarray, name: str, *, allow_bool: bool, float_range: str):
    """uint8 as ``value * (1/255)`` exactly like ``skimage.util.img_as_float``, bool as 0/1.

    Floats are returned unchanged (the caller checks their range); other dtypes are refused
    with a message naming ``float_range``, the values a float image should hold.
    """
    if array.dtype == np.uint8:
        return np.multiply(array, 1.0 / 255, dtype=np.float64)
    if array.dtype == np.bool_ and allow_bool:
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        accepted = "uint8, bool or float" if allow_bool else "uint8 or float"
        raise TypeError(
            f"{name} must be {accepted} (values 0-255 for uint8, {float_range} for float); "
            f"got dtype {array.dtype}. Other dtypes have no agreed range: convert it first, "
            f"e.g. skimage.util.img_as_float({name}) or {name}.astype(float)."
        )
    return array


def image_as_float(image, name: str = "image", *, allow_bool: bool = False) -> np.ndarray:
    """Convert a uint8 or float image to floats in [0, 1].

    uint8 values are multiplied by 1/255, exactly as ``skimage.util.img_as_float`` does (so
    results match scikit-image to the last bit). Float images must already lie in [0, 1] (a
    common mistake is a float image still holding 0-255 values, and the message says so).

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
    if array.dtype.kind != "f":
        return _scaled_to_float(array, name, allow_bool=allow_bool, float_range="0.0-1.0")
    low, high = (array.min(), array.max()) if array.size else (0.0, 0.0)
    if not (np.isfinite(low) and np.isfinite(high)):  # min and max are NaN if a value is
        check_finite(array, name)
    if low < 0 or high > 1:
        hint = ""
        if high > 1.5:
            hint = (
                " It looks like 0-255 values stored as floats: divide by 255, "
                "or pass the uint8 array."
            )
        raise ValueError(
            f"float {name} must lie in [0, 1]; got values from {low:g} to {high:g}."
            + hint
        )
    return as_float_values(array)


def grayscale_as_float(image, name: str = "image") -> np.ndarray:
    """A 2-D grayscale image as floats, the way scikit-image reads images.

    uint8 is rescaled to [0, 1] by multiplying with 1/255 (exactly as
    ``skimage.util.img_as_float``) and bool becomes 0.0/1.0, both in float64. Float images
    keep their values whatever their finite range (a gradient may be negative), computed
    in float32 for float16/float32 and float64 otherwise. Other integer types are refused,
    because their scale is ambiguous.

    Parameters
    ----------
    image : array_like, shape (rows, columns)
        uint8, bool or float.
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    numpy.ndarray
        float64, or float32 for float16/float32 input.

    Raises
    ------
    TypeError
        For other dtypes (int16, int64, ...).
    ValueError
        As :func:`grayscale`: not 2-D, empty, NaN or infinity.

    Examples
    --------
    >>> grayscale_as_float(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]])
    >>> grayscale_as_float(np.array([[-2.5, 300.0]], dtype=np.float32))
    array([[ -2.5, 300. ]], dtype=float32)
    """
    array = _scaled_to_float(grayscale(image, name), name, allow_bool=True,
                             float_range="any finite range")
    return as_float_values(array)


def check_number(
    value,
    name: str,
    *,
    low=None,
    high=None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
    finite: bool = False,
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
    finite : bool
        Refuse infinity too (NaN is always refused).

    Returns
    -------
    int or float
        ``value`` as a Python number.

    Raises
    ------
    TypeError
        If ``value`` is not a number (or not an integer when ``integer``).
    ValueError
        If ``value`` is NaN, infinite while ``finite``, or outside the bounds.
    """
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        wanted = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {wanted}; got {_describe(value)}.")
    value = int(value) if integer else float(value)
    if value != value:
        raise ValueError(f"{name} must be a number; got NaN.")
    if finite and value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a finite number; got {value:g}.")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must lie in {interval}; got {value:g}.")
    return value


def check_choice(value, name: str, choices) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``.

    Arrays are refused with a short description rather than NumPy's "truth value of an
    array is ambiguous".

    Examples
    --------
    >>> check_choice(np.zeros(3), "mode", ("reflect", "wrap"))
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'reflect', 'wrap'; got an array of shape (3,) and dtype float64.
    """
    try:
        known = not isinstance(value, np.ndarray) and value in choices
    except (TypeError, ValueError):  # unhashable, or compared element by element
        known = False
    if not known:
        listed = ", ".join(repr(c) for c in choices)
        shown = repr(value) if isinstance(value, (str, int, float, type(None))) else _describe(value)
        raise ValueError(f"{name} must be one of {listed}; got {shown}.")


def check_callable(value, name: str, what: str = "a function") -> None:
    """Raise ``TypeError`` unless ``value`` can be called (a function, a lambda, a model).

    Examples
    --------
    >>> check_callable(None, "f", "a function of one array returning a number")
    Traceback (most recent call last):
    ...
    TypeError: f must be a function of one array returning a number; got NoneType None.
    """
    if not callable(value):
        raise TypeError(f"{name} must be {what}; got {_describe(value)}.")


def random_generator(seed, name: str = "seed") -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` for a seed that is None, an int or a Generator.

    Examples
    --------
    >>> random_generator("0")
    Traceback (most recent call last):
    ...
    TypeError: seed must be None, an int or a numpy Generator; got '0'.
    """
    if seed is None or isinstance(seed, (np.random.Generator, np.integer)) or (
        isinstance(seed, int) and not isinstance(seed, bool)
    ):
        return np.random.default_rng(seed)
    shown = repr(seed) if isinstance(seed, (str, float)) else _describe(seed)
    raise TypeError(f"{name} must be None, an int or a numpy Generator; got {shown}.")
