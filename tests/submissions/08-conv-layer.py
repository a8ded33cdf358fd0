"""Round-trip submissions for chapter 08 (see tests/test_roundtrip.py)."""

# A plausible mistake: the window starts at (i, j) instead of (i * stride, j * stride).
WRONG = (
    "conv_forward",
    '''
def conv_forward(x, w, b, stride, pad):
    x, w, b = np.asarray(x, dtype=float), np.asarray(w, dtype=float), np.asarray(b, dtype=float)
    n_images, _, height, width = x.shape
    n_filters, _, f, _ = w.shape
    out_h = (height + 2 * pad - f) // stride + 1
    out_w = (width + 2 * pad - f) // stride + 1
    padded = nn.zero_pad(x, pad)
    out = np.zeros((n_images, n_filters, out_h, out_w))
    for n in range(n_images):
        for k in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    out[n, k, i, j] = nn.conv_single_step(padded[n, :, i:i + f, j:j + f], w[k], b[k])
    return out
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "pool_forward",
    '''
from cvcourse.nn import pool_forward as pool

def pool_forward(x, size, stride, mode="max"):
    return pool(x, size, stride, mode)
''',
)
