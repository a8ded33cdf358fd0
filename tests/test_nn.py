"""cvcourse.nn against PyTorch: forward passes against torch.nn.functional, backward passes
against autograd (float64, max abs error <= 1e-10), numerical gradient checks (relative error
<= 1e-7), the notes' worked examples, bad input, and the NumPy CNN's accuracy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from cvcourse import nn

TOL = 1e-10

# The notes' worked examples.
IMAGE_6X6 = np.array([[3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
                      [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9]])
VERTICAL_EDGE = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
MAX_POOL_INPUT = np.array([[0, 2, 3, 4], [1, 0, 0, 0], [5, 6, 0, 7], [4, 1, 0, 2]])
AVG_POOL_INPUT = np.array([[1, 1, 1, 0], [0, 2, 0, 1], [2, 2, 0, 0], [1, 1, 0, 2]])

# (N, C, H, W, F, kh, kw, stride, pad): odd and even, square and not, 1x1 filters, strides
# that do and do not divide the input, filters as large as the padded input.
CONV_CASES = [
    (2, 3, 7, 7, 4, 3, 3, 1, 0),
    (1, 1, 6, 6, 1, 3, 3, 1, 1),
    (3, 2, 9, 8, 5, 3, 2, 2, 1),
    (2, 4, 10, 11, 3, 4, 4, 3, 2),
    (1, 3, 5, 5, 2, 1, 1, 1, 0),
    (2, 2, 5, 5, 3, 5, 5, 1, 0),
    (1, 2, 3, 4, 2, 5, 6, 2, 1),
    (4, 1, 12, 12, 6, 5, 5, 2, 2),
    (1, 1, 1, 1, 1, 1, 1, 1, 0),
    (2, 3, 8, 6, 2, 2, 3, 4, 3),
]
CONV_IDS = ["N{}C{}H{}W{}F{}k{}x{}s{}p{}".format(*case) for case in CONV_CASES]

# (N, C, H, W, size, stride)
POOL_CASES = [
    (2, 3, 8, 8, 2, 2),
    (1, 2, 7, 9, 3, 2),   # overlapping windows
    (2, 1, 9, 9, 3, 3),
    (3, 2, 10, 7, 2, 3),  # gaps between windows
    (1, 1, 5, 5, 5, 1),
    (2, 4, 6, 6, 1, 1),
    (1, 3, 11, 6, 4, 1),
]
POOL_IDS = ["N{}C{}H{}W{}k{}s{}".format(*case) for case in POOL_CASES]


def t(array, grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=grad)


def conv_data(case, seed=0):
    n, c, h, w, f, kh, kw, stride, pad = case
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw)),
            rng.standard_normal(f), stride, pad)


def max_error(ours, theirs):
    return float(np.abs(np.asarray(ours) - theirs.detach().numpy()).max())


# ----------------------------------------------------------------------------- sizes

@pytest.mark.parametrize("n", [1, 4, 7, 28, 32])
@pytest.mark.parametrize("f", [1, 2, 3, 5])
@pytest.mark.parametrize("p", [0, 1, 2])
@pytest.mark.parametrize("s", [1, 2, 3])
def test_output_shape_matches_torch(n, f, p, s):
    if f > n + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            nn.output_shape(n, f, p, s)
        return
    expected = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, f, f), stride=s, padding=p).shape[-1]
    assert nn.output_shape(n, f, p, s) == expected == (n + 2 * p - f) // s + 1
    if s == 1:
        assert nn.output_shape(n, f, p) == n + 2 * p - f + 1
    if s == 1 and p == 0:
        assert nn.output_shape(n, f) == n - f + 1


def test_output_shape_formulas_and_the_notes_error():
    assert nn.output_shape(6, 3) == 4                       # n - f + 1
    assert nn.output_shape(6, 3, p=1) == 6                  # n + 2p - f + 1: "same"
    assert nn.output_shape(7, 3, p=0, s=2) == 3             # floor((n + 2p - f) / s) + 1
    # The notes' summary, floor((n + 2p - f + 1) / s), is wrong: here it gives 2, not 3.
    assert (7 + 0 - 3 + 1) // 2 == 2
    # "Same" padding p = (f - 1) / 2 keeps the size for every odd f at stride 1.
    for f in (1, 3, 5, 7):
        assert nn.output_shape(10, f, (f - 1) // 2) == 10


# ----------------------------------------------------------------------- worked examples

def test_vertical_edge_worked_example():
    out = nn.conv_forward(IMAGE_6X6[None, None], VERTICAL_EDGE[None, None])
    assert out.shape == (1, 1, 4, 4)
    assert out[0, 0, 0, 0] == -5
    assert nn.conv_single_step(IMAGE_6X6[None, :3, :3], VERTICAL_EDGE[None]) == -5
    expected = F.conv2d(t(IMAGE_6X6)[None, None], t(VERTICAL_EDGE)[None, None])
    assert max_error(out, expected) == 0


def test_pooling_worked_examples():
    got_max = nn.pool_forward(MAX_POOL_INPUT[None, None], size=2, stride=2, mode="max")[0, 0]
    got_avg = nn.pool_forward(AVG_POOL_INPUT[None, None], size=2, stride=2, mode="average")[0, 0]
    np.testing.assert_array_equal(got_max, [[2, 4], [6, 7]])
    np.testing.assert_array_equal(got_avg, [[1, 0.5], [1.5, 0.5]])


# --------------------------------------------------------------------------- convolution

def test_zero_pad_matches_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    for pad in (0, 1, 3):
        np.testing.assert_array_equal(nn.zero_pad(x, pad), F.pad(t(x), (pad,) * 4).numpy())
    assert nn.zero_pad(np.ones((1, 1, 2, 2), np.float32), 1).dtype == np.float32


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_forward_matches_torch(case):
    x, w, b, stride, pad = conv_data(case)
    expected = F.conv2d(t(x), t(w), t(b), stride=stride, padding=pad)
    assert max_error(nn.conv_forward(x, w, b, stride, pad), expected) <= TOL
    no_bias = F.conv2d(t(x), t(w), stride=stride, padding=pad)
    assert max_error(nn.conv_forward(x, w, stride=stride, pad=pad), no_bias) <= TOL


@pytest.mark.parametrize("case", CONV_CASES[:6], ids=CONV_IDS[:6])
def test_conv_forward_loop_agrees_with_im2col_version(case):
    x, w, b, stride, pad = conv_data(case, seed=3)
    loop = nn.conv_forward_loop(x, w, b, stride, pad)
    fast = nn.conv_forward(x, w, b, stride, pad)
    assert loop.shape == fast.shape
    assert np.abs(loop - fast).max() <= TOL


@pytest.mark.parametrize("case", CONV_CASES, ids=CONV_IDS)
def test_conv_backward_matches_autograd(case):
    x, w, b, stride, pad = conv_data(case, seed=1)
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    out = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    dout = np.random.default_rng(2).standard_normal(out.shape)
    out.backward(t(dout))
    dx, dw, db = nn.conv_backward(dout, x, w, stride, pad)
    assert max_error(dx, xt.grad) <= TOL
    assert max_error(dw, wt.grad) <= TOL
    assert max_error(db, bt.grad) <= TOL


@pytest.mark.parametrize("case", CONV_CASES[:5], ids=CONV_IDS[:5])
def test_im2col_and_col2im_match_unfold_and_fold(case):
    n, c, h, w, _, kh, kw, stride, pad = case
    x = np.random.default_rng(4).standard_normal((n, c, h, w))
    unfolded = F.unfold(t(x), (kh, kw), padding=pad, stride=stride)  # (N, C*kh*kw, L)
    expected_cols = unfolded.permute(1, 0, 2).reshape(c * kh * kw, -1)
    cols = nn.im2col(x, kh, kw, stride, pad)
    assert max_error(cols, expected_cols) == 0
    back = nn.col2im(cols, x.shape, kh, kw, stride, pad)
    folded = F.fold(unfolded, (h, w), (kh, kw), padding=pad, stride=stride)
    assert max_error(back, folded) <= TOL


def test_conv_dtypes():
    x = np.ones((1, 1, 4, 4), np.float32)
    w = np.ones((2, 1, 3, 3), np.float32)
    assert nn.conv_forward(x, w).dtype == np.float32
    assert nn.conv_forward(x.astype(np.uint8), w.astype(int)).dtype == np.float64
    assert all(g.dtype == np.float32 for g in nn.conv_backward(np.ones((1, 2, 2, 2), np.float32), x, w))


def test_conv_of_constant_image_is_filter_sum():
    out = nn.conv_forward(np.full((1, 2, 5, 5), 2.0), np.ones((1, 2, 3, 3)), np.array([1.0]))
    np.testing.assert_array_equal(out, np.full((1, 1, 3, 3), 37.0))


# ------------------------------------------------------------------------------- pooling

@pytest.mark.parametrize("mode, reference", [("max", F.max_pool2d), ("average", F.avg_pool2d)])
@pytest.mark.parametrize("case", POOL_CASES, ids=POOL_IDS)
def test_pool_forward_and_backward_match_torch(case, mode, reference):
    n, c, h, w, size, stride = case
    rng = np.random.default_rng(5)
    x = rng.standard_normal((n, c, h, w))
    xt = t(x, True)
    out = reference(xt, size, stride)
    got = nn.pool_forward(x, size, stride, mode)
    assert got.shape == tuple(out.shape)
    assert max_error(got, out) <= TOL
    dout = rng.standard_normal(out.shape)
    out.backward(t(dout))
    assert max_error(nn.pool_backward(dout, x, size, stride, mode), xt.grad) <= TOL


@pytest.mark.parametrize("stride", [1, 2])
def test_max_pool_backward_breaks_ties_like_torch(stride):
    # After a ReLU many windows hold several equal maxima (zeros); the gradient goes to
    # the first one in reading order, in PyTorch and here.
    rng = np.random.default_rng(6)
    x = np.maximum(rng.integers(-2, 2, (2, 3, 8, 8)), 0).astype(float)
    xt = t(x, True)
    out = F.max_pool2d(xt, 2, stride)
    dout = rng.standard_normal(out.shape)
    out.backward(t(dout))
    assert max_error(nn.pool_backward(dout, x, 2, stride, "max"), xt.grad) <= TOL


def test_pool_default_stride_is_size():
    x = np.random.default_rng(7).standard_normal((1, 1, 6, 6))
    np.testing.assert_array_equal(nn.pool_forward(x, 3), nn.pool_forward(x, 3, 3))


# ------------------------------------------------------------ dense, ReLU, softmax, loss

def test_dense_relu_softmax_cross_entropy_match_torch():
    rng = np.random.default_rng(8)
    x, w, b = rng.standard_normal((5, 7)), rng.standard_normal((3, 7)), rng.standard_normal(3)
    labels = np.array([0, 2, 1, 2, 0])
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    hidden = F.linear(xt, wt, bt)
    logits = F.relu(hidden)
    loss = F.cross_entropy(logits, torch.tensor(labels))
    loss.backward()

    ours_hidden = nn.dense_forward(x, w, b)
    ours_logits = nn.relu(ours_hidden)
    ours_loss, dlogits = nn.softmax_cross_entropy(ours_logits, labels)
    assert max_error(ours_hidden, hidden) <= TOL
    assert abs(ours_loss - loss.item()) <= TOL
    np.testing.assert_allclose(nn.softmax(ours_logits), F.softmax(logits, 1).detach().numpy(), atol=TOL)
    dx, dw, db = nn.dense_backward(nn.relu_backward(dlogits, ours_hidden), x, w)
    assert max_error(dx, xt.grad) <= TOL
    assert max_error(dw, wt.grad) <= TOL
    assert max_error(db, bt.grad) <= TOL


def test_softmax_is_stable_for_large_logits():
    loss, grad = nn.softmax_cross_entropy(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and abs(loss - 500.0) < 1e-9 and np.all(np.isfinite(grad))


# ---------------------------------------------------------- the whole network and SGD

def torch_twin(model):
    """The PyTorch network with the same layers and the same weights as small_cnn()."""
    twin = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(512, 10),
    ).double()
    with torch.no_grad():
        for (name, value), param in zip(model.named_parameters(), twin.parameters()):
            assert param.shape == value.shape, name
            param.copy_(torch.from_numpy(value))
    return twin


def test_small_cnn_matches_its_torch_twin_forward_and_backward():
    model = nn.small_cnn(seed=1, dtype=np.float64)
    twin = torch_twin(model)
    rng = np.random.default_rng(9)
    images, labels = rng.random((6, 1, 28, 28)), rng.integers(0, 10, 6)
    logits = model.forward(images)
    loss, dlogits = nn.softmax_cross_entropy(logits, labels)
    model.backward(dlogits)
    twin_logits = twin(t(images))
    twin_loss = F.cross_entropy(twin_logits, torch.tensor(labels))
    twin_loss.backward()
    assert max_error(logits, twin_logits) <= TOL
    assert abs(loss - twin_loss.item()) <= TOL
    for (name, grad), param in zip(model.named_gradients(), twin.parameters()):
        assert max_error(grad, param.grad) <= TOL, name
    assert nn.count_parameters(model) == nn.count_parameters(twin) == 18378


def test_sgd_with_momentum_and_weight_decay_matches_torch():
    model = nn.small_cnn(seed=2, dtype=np.float64)
    twin = torch_twin(model)
    ours = nn.SGD(model, lr=0.05, momentum=0.9, weight_decay=1e-3)
    theirs = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    rng = np.random.default_rng(10)
    for _ in range(3):
        images, labels = rng.random((4, 1, 28, 28)), rng.integers(0, 10, 4)
        nn.train_step(model, images, labels, ours)
        theirs.zero_grad()
        F.cross_entropy(twin(t(images)), torch.tensor(labels)).backward()
        theirs.step()
    for (name, value), param in zip(model.named_parameters(), twin.parameters()):
        assert max_error(value, param) <= TOL, name


def test_parameter_counts():
    assert nn.conv_param_count(5, 1, 6) == nn.count_parameters(torch.nn.Conv2d(1, 6, 5)) == 156
    assert nn.conv_param_count(3, 3, 10, bias=False) == 270
    assert nn.dense_param_count(400, 120) == nn.count_parameters(torch.nn.Linear(400, 120)) == 48120
    assert nn.count_parameters(nn.Conv2D(3, 10, 3)) == 280
    with pytest.raises(TypeError, match="count_parameters"):
        nn.count_parameters(object())


# ------------------------------------------------------------------- gradient checking

def test_numerical_gradient_check_of_conv_and_pool():
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((2, 2, 7, 7)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    weights = rng.standard_normal((2, 3, 2, 2))  # output (2, 3, 4, 4) pooled with 3x3 stride 1 -> 2x2

    def loss(_):
        out = nn.conv_forward(x, w, b, stride=2, pad=1)
        return float(np.sum(nn.pool_forward(out, 3, 1, "max") * weights))

    out = nn.conv_forward(x, w, b, stride=2, pad=1)
    dout = nn.pool_backward(weights, out, 3, 1, "max")
    dx, dw, db = nn.conv_backward(dout, x, w, stride=2, pad=1)
    for array, grad in ((x, dx), (w, dw), (b, db)):
        assert nn.grad_check(loss, array, grad) <= 1e-7


def test_model_gradient_check():
    rng = np.random.default_rng(12)
    model = nn.Sequential(
        nn.Conv2D(2, 3, 3, pad=1, rng=rng, dtype=np.float64), nn.ReLU(), nn.Pool2D(2),
        nn.Conv2D(3, 4, 3, stride=2, rng=rng, dtype=np.float64), nn.ReLU(),
        nn.Pool2D(2, mode="average"), nn.Flatten(), nn.Dense(4, 5, rng=rng, dtype=np.float64),
    )
    model.layers[0].params["b"][:] = rng.standard_normal(3) * 0.1  # non-zero biases too
    images, labels = rng.standard_normal((3, 2, 10, 10)), np.array([0, 4, 2])
    errors = nn.check_model_gradients(model, images, labels)
    assert set(errors) == {"0.w", "0.b", "3.w", "3.b", "7.w", "7.b", "input"}
    assert max(errors.values()) <= 1e-7, errors


def test_gradient_check_catches_a_wrong_gradient():
    x = np.array([1.0, 2.0, 3.0])
    assert nn.grad_check(lambda v: float(np.sum(v**2)), x, 2 * x) <= 1e-9
    assert nn.grad_check(lambda v: float(np.sum(v**2)), x, x) > 0.1
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])  # restored after the nudges
    assert nn.relative_error(np.zeros(2), np.zeros(2)) == 0.0


# ----------------------------------------------------------------------------- bad input

def test_conv_bad_input():
    x, w = np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3))
    with pytest.raises(ValueError, match="as many channels"):
        nn.conv_forward(x, np.zeros((2, 1, 3, 3)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.conv_forward(x, np.zeros((2, 3, 7, 3)), pad=0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.conv_forward_loop(x, np.zeros((2, 3, 8, 8)), pad=1)
    with pytest.raises(ValueError, match="stride must lie in"):
        nn.conv_forward(x, w, stride=0)
    with pytest.raises(ValueError, match="stride must lie in"):
        nn.conv_backward(np.zeros((1, 2, 3, 3)), x, w, stride=-1)
    with pytest.raises(TypeError, match="stride must be an integer"):
        nn.conv_forward(x, w, stride=1.5)
    with pytest.raises(ValueError, match="pad must lie in"):
        nn.conv_forward(x, w, pad=-1)
    with pytest.raises(ValueError, match="x must be 4-D.*batch axis"):
        nn.conv_forward(np.zeros((3, 5, 5)), w)
    with pytest.raises(ValueError, match="w must be 4-D"):
        nn.conv_forward(x, np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="one bias per filter"):
        nn.conv_forward(x, w, np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        nn.conv_forward(np.full((1, 3, 5, 5), np.nan), w)
    with pytest.raises(TypeError, match="must hold numbers"):
        nn.conv_forward(np.zeros((1, 3, 5, 5), dtype=complex), w)
    with pytest.raises(ValueError, match="dout must have the shape"):
        nn.conv_backward(np.zeros((1, 2, 4, 4)), x, w)
    with pytest.raises(ValueError, match="same shape"):
        nn.conv_single_step(np.zeros((1, 3, 3)), np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="cols must have shape"):
        nn.col2im(np.zeros((5, 27)), (1, 3, 5, 5), 3, 3)
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.im2col(x, 6, 6)
    with pytest.raises(ValueError, match="n must lie in"):
        nn.output_shape(0, 1)


def test_pool_bad_input():
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="larger than the input"):
        nn.pool_forward(x, 5)
    with pytest.raises(ValueError, match="stride must lie in"):
        nn.pool_forward(x, 2, 0)
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.pool_forward(x, 2, mode="min")
    with pytest.raises(ValueError, match="x must be 4-D"):
        nn.pool_forward(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="dout must have the shape"):
        nn.pool_backward(np.zeros((1, 1, 3, 3)), x, 2)


def test_layer_bad_input():
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(TypeError, match="labels must be integers"):
        nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="w must have shape"):
        nn.dense_forward(np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="float64"):
        nn.numerical_gradient(lambda v: 0.0, np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="lr must lie in"):
        nn.SGD(nn.small_cnn(), lr=0)
    with pytest.raises(ValueError, match="momentum must lie in"):
        nn.SGD(nn.small_cnn(), momentum=1.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.Pool2D(2, mode="min")
    with pytest.raises(ValueError, match="kernel_size must lie in"):
        nn.Conv2D(1, 4, 0)
    with pytest.raises(ValueError, match="as many channels"):
        nn.Conv2D(3, 4, 3).forward(np.zeros((1, 1, 5, 5), np.float32))


# ------------------------------------------------------------ training: chapter 09's bar

@pytest.mark.slow
def test_numpy_cnn_reaches_95_percent_on_the_mnist_split():
    from cvcourse.data.datasets import mnist_arrays

    train_images, train_labels = mnist_arrays("train")
    test_images, test_labels = mnist_arrays("test")
    model = nn.small_cnn(seed=0)
    optimizer = nn.SGD(model, lr=0.05, momentum=0.9)
    history = nn.fit(model, (train_images / 255.0).astype(np.float32)[:, None], train_labels,
                     (test_images / 255.0).astype(np.float32)[:, None], test_labels,
                     epochs=6, batch_size=32, optimizer=optimizer, seed=0, progress=False)
    print(f"NumPy CNN test accuracy: {history.test_acc[-1]:.1%}")
    assert history.test_acc[-1] >= 0.95, history.test_acc
