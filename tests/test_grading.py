"""cvcourse.grading: its checks fail when they should, pass when they should, and say why."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.color
from cvcourse import color, grading
from cvcourse.color import rgb_to_gray as renamed_reference
from cvcourse.grading import GradingError

IMAGE = np.random.default_rng(0).random((5, 4, 3))


def honest(image):
    return np.asarray(image, dtype=float) @ np.array([0.2125, 0.7154, 0.0721])


def test_correct_solution_passes():
    grading.check_function(honest, color.rgb_to_gray, IMAGE)


@pytest.mark.parametrize(
    "cheat",
    [
        color.rgb_to_gray,                                   # the reference itself
        lambda image: color.rgb_to_gray(image),              # a wrapper
        lambda image: renamed_reference(image) + 0,          # imported under another name
        lambda image: skimage.color.rgb2gray(image),         # the library's implementation
        lambda image: (lambda f: f(image))(color.rgb_to_gray),  # called through a helper
    ],
)
def test_calling_the_reference_fails(cheat):
    with pytest.raises(GradingError, match="ready-made|reference implementation itself"):
        grading.check_function(cheat, color.rgb_to_gray, IMAGE, forbidden=[skimage.color.rgb2gray])


def test_forbidden_builtin_function_is_seen():
    with pytest.raises(GradingError, match="sorted"):
        with grading.forbid_calls([sorted], exercise="sorting"):
            sorted([3, 1, 2])


def test_profiler_is_restored():
    import sys

    before = sys.getprofile()
    grading.check_function(honest, color.rgb_to_gray, IMAGE)
    assert sys.getprofile() is before


@pytest.mark.parametrize(
    ("student", "message"),
    [
        (lambda image: None, "returned None"),
        (lambda image: honest(image).tolist(), "NumPy array; got list"),
        (lambda image: honest(image)[:, :3], r"wrong shape: expected \(5, 4\), got \(5, 3\)"),
        (lambda image: honest(image).astype(np.float32), "wrong dtype: expected float64, got float32"),
        (lambda image: honest(image) * 1.01, r"wrong values in \d+ of 20 entries. Largest error"),
        (lambda image: np.full((5, 4), np.nan), "NaN"),
    ],
)
def test_wrong_results_get_a_message_a_student_can_act_on(student, message):
    with pytest.raises(GradingError, match=message):
        grading.check_function(student, color.rgb_to_gray, IMAGE)


def test_unwritten_exercise_says_so():
    def stub(image):
        raise NotImplementedError()

    with pytest.raises(GradingError, match="not written yet"):
        grading.check_function(stub, color.rgb_to_gray, IMAGE)


def test_modifying_the_input_is_reported():
    def in_place(image):
        image[...] = 0
        return honest(image)

    with pytest.raises(GradingError, match="modified its input"):
        grading.check_function(in_place, color.rgb_to_gray, IMAGE)


def test_check_array_locates_the_largest_error():
    expected = np.zeros((3, 3))
    got = expected.copy()
    got[2, 1] = 0.5
    with pytest.raises(GradingError, match=r"Largest error 0.5 at \(2, 1\)"):
        grading.check_array(got, expected)


def test_check_array_on_booleans():
    with pytest.raises(GradingError, match=r"differs in 1 of 4 entries; the first at \(1, 0\)"):
        grading.check_array(np.array([[True, False], [True, True]]), np.array([[True, False], [False, True]]))
    with pytest.raises(GradingError, match="should be boolean"):
        grading.check_array(np.ones((2, 2)), np.ones((2, 2), dtype=bool), check_dtype=False)


def test_check_raises():
    grading.check_raises(color.threshold, np.zeros((2, 2, 3), dtype=np.uint8), 1)
    with pytest.raises(GradingError, match="returned normally"):
        grading.check_raises(lambda image: image, np.zeros(3))
    with pytest.raises(GradingError, match="raised IndexError"):
        grading.check_raises(lambda image: image[5], np.zeros(3))


def test_switching_the_profiler_off_fails():
    import sys

    def sneaky(image):
        sys.setprofile(None)
        return color.rgb_to_gray(image)

    with pytest.raises(GradingError, match="switched off the profiler"):
        grading.check_function(sneaky, color.rgb_to_gray, IMAGE)


def test_array_subclasses_are_refused():
    class Agreeable(np.ndarray):
        def astype(self, *args, **kwargs):
            return color.rgb_to_gray(IMAGE)

    with pytest.raises(GradingError, match="should return a NumPy array"):
        grading.check_array(np.zeros((5, 4)).view(Agreeable), color.rgb_to_gray(IMAGE))


def test_expected_value_is_computed_before_the_student_runs():
    calls = []

    def reference(x):
        calls.append("reference")
        return np.asarray(x, dtype=float)

    def student(x):
        calls.append("student")
        return np.asarray(x, dtype=float)

    grading.check_function(student, reference, np.ones(3))
    assert calls == ["reference", "student"]
