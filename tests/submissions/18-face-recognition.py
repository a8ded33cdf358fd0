"""Round-trip submissions for chapter 18 (see tests/test_roundtrip.py)."""

# A classic mistake: forgetting the hinge, so triplets already beyond the margin give a
# negative loss (and would keep pushing the negative away for ever).
WRONG = (
    "triplet_losses",
    '''
def triplet_losses(anchor, positive, negative, margin):
    eps = 1e-6
    to_positive = np.sqrt(((anchor - positive + eps) ** 2).sum(axis=1))
    to_negative = np.sqrt(((anchor - negative + eps) ** 2).sum(axis=1))
    return to_positive - to_negative + margin
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "verification_errors",
    '''
from cvcourse.metric_learning import error_rates as rates

def verification_errors(distances, same, threshold):
    return np.array(rates(distances, same, threshold))
''',
)
