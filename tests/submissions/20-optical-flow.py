"""Round-trip submissions for chapter 20 (see tests/test_roundtrip.py)."""

# A plausible mistake: the temporal difference with the wrong sign (frame1 - frame0 on the
# right-hand side), which reverses every flow vector.
WRONG = (
    "lucas_kanade_point",
    '''
def lucas_kanade_point(frame0, frame1, x, y, window):
    frame0 = np.asarray(frame0, dtype=float)
    frame1 = np.asarray(frame1, dtype=float)
    gy, gx = np.gradient(frame0)
    half = window // 2
    rows, cols = slice(y - half, y + half + 1), slice(x - half, x + half + 1)
    wx, wy, difference = gx[rows, cols], gy[rows, cols], (frame1 - frame0)[rows, cols]
    g = np.array([[np.mean(wx * wx), np.mean(wx * wy)], [np.mean(wx * wy), np.mean(wy * wy)]])
    b = np.array([np.mean(wx * difference), np.mean(wy * difference)])
    return np.linalg.solve(g, b)
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "block_matching",
    '''
from cvcourse.motion import block_matching as course_blocks

def block_matching(frame0, frame1, block, search):
    return course_blocks(frame0, frame1, block, search, "sad")
''',
)
