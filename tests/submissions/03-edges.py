"""Round-trip submissions for chapter 03 (see tests/test_roundtrip.py)."""

# A plausible mistake: the nearest of eight directions instead of interpolating between two
# neighbours, the textbook simplification that thins edges differently.
WRONG = (
    "non_max_suppression",
    '''
def non_max_suppression(magnitude, gy, gx):
    rows, cols = magnitude.shape
    out = np.zeros_like(magnitude, dtype=float)
    r, c = np.mgrid[1:rows - 1, 1:cols - 1]
    angle = np.arctan2(gy[r, c], gx[r, c])
    dr = np.round(np.sin(angle)).astype(int)
    dc = np.round(np.cos(angle)).astype(int)
    m = magnitude[r, c]
    keep = (m > 0) & (m >= magnitude[r + dr, c + dc]) & (m >= magnitude[r - dr, c - dc])
    out[1:rows - 1, 1:cols - 1] = np.where(keep, m, 0)
    return out
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "hysteresis",
    '''
from cvcourse import filters as course_filters

def hysteresis(weak, strong):
    return course_filters.hysteresis(weak, strong)
''',
)
