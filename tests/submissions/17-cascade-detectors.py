"""Round-trip submissions for chapter 17 (see tests/test_roundtrip.py)."""

# A plausible mistake: the integral image used without its leading zero row and column, so
# every rectangle loses its first row and column (and the look-ups wrap around at the border).
WRONG = (
    "two_rectangle_feature",
    '''
def two_rectangle_feature(integral, r, c, height, width):
    integral = np.asarray(integral)

    def rectangle_sum(top, left):
        bottom, right = top + height - 1, left + width - 1
        return integral[bottom, right] - integral[top, right] - integral[bottom, left] + integral[top, left]

    return rectangle_sum(r, c + width) - rectangle_sum(r, c)
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "boost_weights",
    '''
from cvcourse.cascade import boost_weights as course_boost

def boost_weights(weights, wrong):
    return course_boost(weights, wrong)
''',
)
