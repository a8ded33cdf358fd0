"""Round-trip submissions for chapter 23 (see tests/test_roundtrip.py)."""

# A classic mistake: the Gaussian's standard deviation taken as the radius itself, not
# (2r + 1) / 6, so the bump is far too flat (about 0.6 at the middle of an edge of its square,
# where CenterNet's bump is 0.14 or less).
WRONG = (
    "draw_bump",
    '''
def draw_bump(heatmap, centre, radius):
    heatmap = np.asarray(heatmap, dtype=float)
    x, y = centre
    sigma = max(radius, 1)
    rows, columns = np.indices(heatmap.shape)
    bump = np.exp(-((columns - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))
    inside = (np.abs(columns - x) <= radius) & (np.abs(rows - y) <= radius)
    return np.maximum(heatmap, np.where(inside, bump, 0.0))
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "decode_heatmap",
    '''
from cvcourse.detection import centernet

def decode_heatmap(heatmap, size, offset, k):
    return centernet.centernet_decode(heatmap, size, offset, k)
''',
)
