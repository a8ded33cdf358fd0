"""Round-trip submissions for chapter 01 (see tests/test_roundtrip.py)."""

# A plausible mistake: the plain mean of the channels instead of the luminance weights.
WRONG = (
    "rgb_to_gray",
    '''
def rgb_to_gray(image):
    rgb = np.asarray(image)
    rgb = rgb / 255.0 if rgb.dtype == np.uint8 else rgb
    return rgb.mean(axis=-1)
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "rgb_to_hsv",
    '''
from cvcourse.color import rgb_to_hsv as convert

def rgb_to_hsv(image):
    return convert(image)
''',
)
