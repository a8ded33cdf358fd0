"""Round-trip submissions for chapter 14 (see tests/test_roundtrip.py)."""

# A classic mistake: suppressing boxes that overlap *any* box, kept or not, so that a box
# already suppressed still suppresses its own neighbours.
WRONG = (
    "suppress",
    '''
def suppress(boxes, scores, iou_threshold):
    boxes, scores = np.asarray(boxes, dtype=float), np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    overlaps = detection.box_iou(boxes, boxes)
    suppressed = np.zeros(len(boxes), dtype=bool)
    keep = []
    for index in order:
        if not suppressed[index]:
            keep.append(index)
        suppressed |= overlaps[index] > iou_threshold
    return np.array(keep, dtype=np.int64)
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "interpolated_ap",
    '''
from cvcourse.detection import metrics

def interpolated_ap(scores, matched, num_ground_truth):
    return metrics.average_precision(scores, matched, num_ground_truth)
''',
)
