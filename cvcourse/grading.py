"""Helpers for the exercise tests: messages a student can act on.

A test cell in a chapter looks like::

    from cvcourse import grading
    from cvcourse.color import rgb_to_gray as reference
    grading.check_function(rgb_to_gray, reference, image, forbidden=[skimage.color.rgb2gray])

:func:`check_function` runs the student's function while watching for calls to the
reference implementation (and to any library function named in ``forbidden``), then
compares the result with the reference's: type, shape, dtype, then values, reporting
the largest error and where it is.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable

import numpy as np

__all__ = [
    "GradingError",
    "check_array",
    "check_function",
    "check_raises",
    "forbid_calls",
]


class GradingError(AssertionError):
    """A failed check, with a message written for the student."""


def _qualified_name(function) -> str:
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", repr(function))
    return f"{module}.{name}" if module else name


def _code_objects(function) -> set:
    """Every code object that runs when ``function`` is called (through decorators)."""
    codes = set()
    current = function
    while current is not None:
        code = getattr(current, "__code__", None)
        if code is not None:
            codes.add(code)
        current = getattr(current, "__wrapped__", None)
    return codes


@contextlib.contextmanager
def forbid_calls(functions: Iterable[Callable], exercise: str = "your function"):
    """Fail if any of ``functions`` is called inside the ``with`` block.

    Calls are seen however the function was reached (imported under another name,
    wrapped in a lambda, called from a helper), because the check watches the
    interpreter's calls (``sys.setprofile``) rather than names.

    Parameters
    ----------
    functions : iterable of callables
        Python or built-in functions the solution must not call.
    exercise : str
        Name of the exercise, used in the message.

    Raises
    ------
    GradingError
        On leaving the block, if a forbidden function was called.
    """
    functions = [f for f in functions if f is not None]
    codes = {}
    builtins = {}
    for function in functions:
        found = _code_objects(function)
        for code in found:
            codes[code] = function
        if not found:
            builtins[id(function)] = function
    called = []

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            called.append(codes[frame.f_code])
        elif event == "c_call" and id(arg) in builtins:
            called.append(builtins[id(arg)])

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield
    finally:
        switched_off = sys.getprofile() is not profiler
        sys.setprofile(previous)
    if switched_off:
        raise GradingError(
            f"{exercise} switched off the profiler that watches for calls to the reference "
            "(sys.setprofile): a solution has no reason to touch it."
        )
    if called:
        names = ", ".join(sorted({_qualified_name(f) for f in called}))
        raise GradingError(
            f"{exercise} calls {names}, a ready-made implementation of this exercise. "
            "The point is to write it yourself with NumPy: remove that call."
        )


def _locate(index, shape) -> str:
    return str(tuple(int(i) for i in np.unravel_index(index, shape))) if shape else "()"


def check_array(
    got,
    expected,
    *,
    name: str = "result",
    rtol: float = 1e-7,
    atol: float = 1e-9,
    check_dtype: bool = True,
) -> None:
    """Compare an array the student produced with the expected one.

    Checks, in order: that ``got`` is a NumPy array, its shape, its dtype (exactly when
    ``check_dtype`` is True, else only bool vs number), NaNs, and finally the values with
    ``numpy.allclose(got, expected, rtol, atol)``. The first failure raises with a
    message naming what was expected and what came, and for values the largest error,
    its position, and how many entries are off.

    Parameters
    ----------
    got : object
        What the student's code returned.
    expected : numpy.ndarray
        The correct answer.
    name : str
        How to call the value in messages (e.g. ``"rgb_to_gray(image)"``).
    rtol, atol : float
        Tolerances as in :func:`numpy.allclose`.
    check_dtype : bool
        Require the same dtype.

    Raises
    ------
    GradingError
    """
    expected = np.asarray(expected)
    if got is None:
        raise GradingError(f"{name} returned None: did you forget the return statement?")
    if type(got) is not np.ndarray:  # a subclass could redefine the operations compared below
        raise GradingError(
            f"{name} should return a NumPy array; got {type(got).__name__}. "
            "Wrap the result with np.asarray or build it with NumPy operations."
        )
    if got.shape != expected.shape:
        raise GradingError(f"{name} has the wrong shape: expected {expected.shape}, got {got.shape}.")
    if check_dtype and got.dtype != expected.dtype:
        raise GradingError(f"{name} has the wrong dtype: expected {expected.dtype}, got {got.dtype}.")
    if (got.dtype == np.bool_) != (expected.dtype == np.bool_):
        raise GradingError(
            f"{name} should be {'boolean' if expected.dtype == np.bool_ else 'numeric'}; "
            f"got dtype {got.dtype}."
        )
    if expected.dtype == np.bool_:
        wrong = got != expected
        if wrong.any():
            first = int(np.flatnonzero(wrong)[0])
            raise GradingError(
                f"{name} differs in {int(wrong.sum())} of {wrong.size} entries; the first at "
                f"{_locate(first, got.shape)}: expected {expected.flat[first]}, got {got.flat[first]}."
            )
        return
    got_f = got.astype(np.float64)
    expected_f = expected.astype(np.float64)
    if np.isnan(got_f).any() and not np.isnan(expected_f).any():
        first = int(np.flatnonzero(np.isnan(got_f))[0])
        raise GradingError(
            f"{name} contains NaN (first at {_locate(first, got.shape)}): look for a division by zero."
        )
    close = np.isclose(got_f, expected_f, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        error = np.where(close, 0.0, np.abs(got_f - expected_f))
        worst = int(np.argmax(error))
        raise GradingError(
            f"{name} has wrong values in {int((~close).sum())} of {close.size} entries. "
            f"Largest error {error.flat[worst]:.3g} at {_locate(worst, got.shape)}: "
            f"expected {expected_f.flat[worst]:.6g}, got {got_f.flat[worst]:.6g}. "
            f"Range expected [{np.nanmin(expected_f):.4g}, {np.nanmax(expected_f):.4g}], "
            f"got [{np.nanmin(got_f):.4g}, {np.nanmax(got_f):.4g}]."
        )


def check_function(
    student: Callable,
    reference: Callable,
    *args,
    forbidden: Iterable[Callable] = (),
    rtol: float = 1e-7,
    atol: float = 1e-9,
    check_dtype: bool = True,
    **kwargs,
):
    """Call the student's function and the reference on the same input and compare.

    The reference runs first, so the expected value exists before any student code runs.
    Then the student's function runs on copies of the arguments, while calls to
    ``reference`` and to every function in ``forbidden`` are watched for (see
    :func:`forbid_calls`); the arguments are checked to be unchanged afterwards.

    Parameters
    ----------
    student, reference : callable
        The function under test and the correct implementation.
    *args, **kwargs
        Arguments for both.
    forbidden : iterable of callables
        Library functions that solve the exercise outright (e.g. scikit-image's).
    rtol, atol, check_dtype
        Passed to :func:`check_array`.

    Returns
    -------
    object
        The student's result (already checked).

    Raises
    ------
    GradingError
    """
    name = getattr(student, "__name__", "your function")
    if not callable(student):
        raise GradingError(f"{name} should be a function; got {type(student).__name__}.")
    if student is reference or _code_objects(student) & _code_objects(reference):
        raise GradingError(
            f"{name} is the reference implementation itself. Write your own version."
        )
    # The expected value is computed before the student's code runs, from the untouched input.
    expected = reference(*args, **kwargs)
    inputs = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args]
    originals = [a.copy() if isinstance(a, np.ndarray) else None for a in inputs]
    label = f"{name}({', '.join(_short(a) for a in args)})"
    with forbid_calls([reference, *forbidden], exercise=name):
        try:
            got = student(*inputs, **kwargs)
        except NotImplementedError:
            raise GradingError(f"{name} is not written yet: replace `raise NotImplementedError()`.") from None
    for before, after in zip(originals, inputs):
        if before is not None and not np.array_equal(before, after, equal_nan=True):
            raise GradingError(f"{name} modified its input array; work on a copy instead.")
    check_array(got, expected, name=label, rtol=rtol, atol=atol, check_dtype=check_dtype)
    return got


def _short(value) -> str:
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {value.shape}>"
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def check_raises(function: Callable, *args, exceptions=(ValueError, TypeError), why: str = "", **kwargs) -> None:
    """Check that ``function(*args, **kwargs)`` refuses bad input with a clear exception.

    Parameters
    ----------
    function : callable
    *args, **kwargs
        The bad input.
    exceptions : exception type or tuple of them
        What counts as a clear refusal.
    why : str
        What is wrong with the input, for the message.

    Raises
    ------
    GradingError
        If nothing is raised, or an exception of another type is.
    """
    name = getattr(function, "__name__", "your function")
    reason = f" ({why})" if why else ""
    wanted = exceptions if isinstance(exceptions, tuple) else (exceptions,)
    wanted_names = " or ".join(e.__name__ for e in wanted)
    try:
        function(*args, **kwargs)
    except wanted:
        return
    except NotImplementedError:
        raise GradingError(f"{name} is not written yet: replace `raise NotImplementedError()`.") from None
    except Exception as error:  # noqa: BLE001 - the point is to report what came instead
        raise GradingError(
            f"{name} should raise {wanted_names} for bad input{reason}; it raised "
            f"{type(error).__name__}: {error}"
        ) from None
    raise GradingError(f"{name} should raise {wanted_names} for bad input{reason}, but returned normally.")

