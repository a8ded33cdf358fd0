"""Round-trip submissions for chapter 21 (see tests/test_roundtrip.py)."""

# A classic mistake: the measurement noise R left out of the innovation covariance S, so that
# the gain trusts every measurement completely.
WRONG = (
    "kalman_step",
    '''
def kalman_step(x, P, z, F, H, Q, R):
    x, P, z = np.asarray(x, dtype=float), np.asarray(P, dtype=float), np.asarray(z, dtype=float)
    F, H, Q, R = (np.asarray(m, dtype=float) for m in (F, H, Q, R))
    x = F @ x
    P = F @ P @ F.T + Q
    S = H @ P @ H.T
    K = P @ H.T @ np.linalg.pinv(S)
    x = x + K @ (z - H @ x)
    P = (np.eye(len(x)) - K @ H) @ P
    return x, P
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "match_boxes",
    '''
from cvcourse import tracking as reference_tracking

def match_boxes(predicted, detected, iou_threshold):
    return reference_tracking.associate(predicted, detected, reference_tracking.iou_distance, 1.0 - iou_threshold)[0]
''',
)
