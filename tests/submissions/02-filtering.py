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
