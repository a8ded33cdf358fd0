"""Round-trip submissions for chapter 13 (see tests/test_roundtrip.py)."""

# A classic mistake: the union is the sum of the areas, the intersection counted twice.
WRONG = (
    "iou",
    '''
def iou(boxes1, boxes2):
    boxes1, boxes2 = np.asarray(boxes1, dtype=float), np.asarray(boxes2, dtype=float)
    top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    sides = np.clip(bottom_right - top_left, 0, None)
    intersection = sides[..., 0] * sides[..., 1]
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    return intersection / (area1[:, None] + area2[None, :])
''',
)

# Only calls torchvision's implementation.
CHEAT = (
    "xyxy_to_cxcywh",
    '''
from torchvision.ops import box_convert as convert

def xyxy_to_cxcywh(boxes):
    return convert(torch.as_tensor(np.asarray(boxes, dtype=float)), "xyxy", "cxcywh").numpy()
''',
)
