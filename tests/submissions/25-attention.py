"""Round-trip submissions for chapter 25 (see tests/test_roundtrip.py)."""

# A classic mistake: the align_corners=True conversion to pixels used for both conventions, so
# the grid is off by half a pixel (and slightly scaled) when align_corners is False.
WRONG = (
    "bilinear_sample",
    '''
def bilinear_sample(x, grid, align_corners):
    x, grid = np.asarray(x, dtype=float), np.asarray(grid, dtype=float)
    n, channels, height, width = x.shape
    u = (grid[..., 0] + 1) / 2 * (width - 1)
    v = (grid[..., 1] + 1) / 2 * (height - 1)
    u0, v0 = np.floor(u).astype(int), np.floor(v).astype(int)
    batch = np.arange(n)[:, None, None]
    out = np.zeros((n, channels) + grid.shape[1:3])
    for du in (0, 1):
        for dv in (0, 1):
            columns, rows = u0 + du, v0 + dv
            weight = (1 - np.abs(u - columns)) * (1 - np.abs(v - rows))
            inside = (columns >= 0) & (columns < width) & (rows >= 0) & (rows < height)
            pixels = x[batch, :, np.clip(rows, 0, height - 1), np.clip(columns, 0, width - 1)]
            out += np.moveaxis(pixels * (weight * inside)[..., None], -1, 1)
    return out
''',
)

# Only calls the course's reference implementation.
CHEAT = (
    "grad_cam_weighting",
    '''
from cvcourse import attention as reference_attention

def grad_cam_weighting(activations, gradients):
    return reference_attention.grad_cam_map(np.asarray(activations, dtype=float), np.asarray(gradients, dtype=float))
''',
)
