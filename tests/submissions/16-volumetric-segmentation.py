"""Round-trip submissions for chapter 16 (see tests/test_roundtrip.py)."""

# A classic mistake: the hard Dice's |A| + |B| taken as the size of the union, which gives
# 2 IoU instead of Dice.
WRONG = (
    "dice_per_class",
    '''
def dice_per_class(prediction, target, num_classes):
    prediction, target = np.asarray(prediction), np.asarray(target)
    scores = np.full(num_classes, np.nan)
    for c in range(num_classes):
        union = np.sum((prediction == c) | (target == c))
        if union > 0:
            scores[c] = 2.0 * np.sum((prediction == c) & (target == c)) / union
    return scores
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "soft_dice_loss",
    '''
from cvcourse.metrics import dice_loss

def soft_dice_loss(probabilities, labels, smooth=1e-5):
    logits = torch.log(torch.as_tensor(probabilities, dtype=torch.float64))
    return dice_loss(logits, torch.as_tensor(labels), smooth=smooth, reduction="none").mean(0).numpy()
''',
)
