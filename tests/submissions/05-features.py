"""Round-trip submissions for chapter 05 (see tests/test_roundtrip.py)."""

# A plausible mistake: k times the trace instead of k times the trace squared.
WRONG = (
    "harris_response",
    '''
def harris_response(image, sigma=1.0, k=0.05):
    image = np.asarray(image, dtype=np.float64)
    d_row = ndi.sobel(image, axis=0, mode="constant")
    d_col = ndi.sobel(image, axis=1, mode="constant")
    a_rr = ndi.gaussian_filter(d_row * d_row, sigma, mode="constant")
    a_rc = ndi.gaussian_filter(d_row * d_col, sigma, mode="constant")
    a_cc = ndi.gaussian_filter(d_col * d_col, sigma, mode="constant")
    return a_rr * a_cc - a_rc**2 - k * (a_rr + a_cc)
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "match_descriptors",
    '''
from cvcourse.features import match_descriptors as course_match

def match_descriptors(d1, d2, max_ratio=0.8):
    return course_match(d1, d2, max_ratio=max_ratio)
''',
)
