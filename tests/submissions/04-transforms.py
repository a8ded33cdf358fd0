"""Round-trip submissions for chapter 04 (see tests/test_roundtrip.py)."""

# A plausible mistake: the textbook rotation matrix of a y-up world, which turns clockwise on
# screen, and no move to the centre and back.
WRONG = (
    "rotation_matrix",
    '''
def rotation_matrix(angle, center=(0, 0)):
    theta = np.radians(angle)
    return np.array([[np.cos(theta), -np.sin(theta), 0],
                     [np.sin(theta), np.cos(theta), 0],
                     [0, 0, 1]])
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "warp_affine",
    '''
from cvcourse.transform import warp_affine as course_warp

def warp_affine(image, matrix):
    return course_warp(image, matrix)
''',
)
