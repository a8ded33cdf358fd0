"""Round-trip submissions for chapter 02 (see tests/test_roundtrip.py)."""

# A plausible mistake: zero padding instead of the reflect border the exercise asks for.
WRONG = (
    "correlate2d",
    '''
def correlate2d(image, kernel):
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    padded = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    rows, cols = image.shape
    out = np.zeros((rows, cols))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * padded[a:a + rows, b:b + cols]
    return out
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "median_filter",
    '''
from cvcourse.filters import median_filter as course_median

def median_filter(image, size):
    return course_median(image, size)
''',
)

# Dishonest students (see tests/test_roundtrip.py::test_attacks_cost_only_their_exercise): each
# maps the exercises it attacks to its source; its other exercises hold the instructor's
# solution and must keep their points.
ATTACKS = {
    # The checks replaced by functions that do nothing, a stub, and a process that dies.
    "patcher": {
        "correlate2d": '''
import cvcourse.grading
cvcourse.grading.check_function = lambda *args, **kwargs: None
cvcourse.grading.check_array = lambda *args, **kwargs: None
cvcourse.grading.check_raises = lambda *args, **kwargs: None
def correlate2d(image, kernel):
    return None
''',
        "median_filter": "import os\nos._exit(0)\n",
    },
    # The profiler switched off before calling the course's implementation, and a hang.
    "profiler": {
        "gaussian_kernel": '''
import sys
def gaussian_kernel(sigma, truncate=4.0):
    sys.setprofile(None)
    return filters.gaussian_kernel(sigma, truncate)
''',
        "median_filter": "def median_filter(image, size):\n    while True:\n        pass\n",
    },
    # NumPy's comparison patched through a helper, and the reference's source read and executed.
    "indirect": {
        "correlate2d": '''
def _swap(module, value):
    module.isclose = value
_swap(np, lambda a, b, **kwargs: np.ones(np.shape(a), dtype=bool))
def correlate2d(image, kernel):
    return np.zeros(np.shape(image))
''',
        "gaussian_kernel": '''
import cvcourse.filters
space = {"np": np}
exec(open(cvcourse.filters.__file__).read(), space)
gaussian_kernel = space["gaussian_kernel"]
''',
    },
}
