"""Round-trip submissions for chapter 09 (see tests/test_roundtrip.py)."""

# A plausible mistake: average pooling passes the whole gradient to every input of the
# window instead of 1 / size**2 of it.
WRONG = (
    "pool_backward",
    '''
def pool_backward(dout, x, size, stride, mode="max"):
    dout, x = np.asarray(dout, dtype=float), np.asarray(x, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + size)
            cols = slice(j * stride, j * stride + size)
            window = x[:, :, rows, cols].reshape(x.shape[0], x.shape[1], -1)
            if mode == "max":
                mask = np.arange(size * size) == window.argmax(axis=2)[..., None]
                dx[:, :, rows, cols] += (mask * dout[:, :, i, j, None]).reshape(x.shape[0], x.shape[1], size, size)
            else:
                dx[:, :, rows, cols] += dout[:, :, i, j, None, None]
    return dx
''',
)

# Only calls the reference implementation, imported under another name.
CHEAT = (
    "numerical_gradient",
    '''
from cvcourse.nn import numerical_gradient as finite_differences

def numerical_gradient(f, x, eps=1e-6):
    return finite_differences(f, x, eps)
''',
)

# Dishonest students (see tests/submissions/02-filtering.py).
ATTACKS = {
    "profiler": {
        "conv_backward": '''
import sys
def conv_backward(dout, x, w, stride, pad):
    sys.setprofile(None)
    return nn.conv_backward(dout, x, w, stride, pad)
''',
        "numerical_gradient": '''
import importlib
def numerical_gradient(f, x, eps=1e-6):
    return importlib.import_module("cvcourse.nn").numerical_gradient(f, x, eps)
''',
    },
    "crash": {
        "pool_backward": '''
from numpy.lib.stride_tricks import as_strided
def pool_backward(dout, x, size, stride, mode="max"):
    return as_strided(np.zeros(1), shape=(1 << 40,), strides=(1 << 20,)).sum()
''',
        "numerical_gradient": '''
def _swap(module, value):
    module.numerical_gradient = value
def numerical_gradient(f, x, eps=1e-6):
    return np.zeros(np.shape(x))
_swap(nn, numerical_gradient)
''',
    },
}
