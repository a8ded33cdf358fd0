"""Round-trip submissions for chapter 06 (see tests/test_roundtrip.py)."""

# A plausible mistake: the mean gray level instead of Otsu's threshold.
WRONG = (
    "otsu_threshold",
    '''
def otsu_threshold(image):
    return int(np.asarray(image).mean())
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "region_grow",
    '''
from cvcourse.segmentation import region_grow as grow

def region_grow(image, seed, tolerance):
    return grow(image, seed, tolerance)
''',
)
