"""Round-trip submissions for chapter 15 (see tests/test_roundtrip.py)."""

# A classic mistake: the convolution's formula, (n - 1) * s + f - 2p read backwards as
# n * s + f - 2p (one stride too many).
WRONG = (
    "transposed_output_size",
    '''
def transposed_output_size(n, f, p, s, output_padding=0):
    if not 0 <= output_padding < s:
        raise ValueError("output_padding must be smaller than the stride")
    size = n * s - 2 * p + f + output_padding
    if size < 1:
        raise ValueError("empty output")
    return size
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "mean_iou_score",
    '''
from cvcourse.metrics import overlap

def mean_iou_score(truth, prediction, num_classes):
    return overlap.mean_iou(truth, prediction, num_classes)
''',
)
