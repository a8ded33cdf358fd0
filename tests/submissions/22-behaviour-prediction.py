"""Round-trip submissions for chapter 22 (see tests/test_roundtrip.py)."""

# A classic mistake: the raw scores used as log-probabilities, without the softmax's
# normalisation (log_softmax), so the mixture's weights do not sum to one.
WRONG = (
    "mixture_nll",
    '''
def mixture_nll(logits, means, log_scales, target):
    z = (target[:, None] - means) / torch.exp(log_scales)
    log_density = (-0.5 * z ** 2 - log_scales - 0.5 * np.log(2 * np.pi)).sum(dim=(2, 3))
    return -torch.logsumexp(logits + log_density, dim=1).mean()
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "lloyd_anchors",
    '''
from cvcourse import prediction as reference_prediction

def lloyd_anchors(trajectories, initial):
    return reference_prediction.trajectory_anchors(trajectories, len(initial), init=initial)
''',
)
