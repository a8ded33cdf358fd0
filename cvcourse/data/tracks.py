"""Synthetic multi-object tracking sequences with identities, crossings and occlusions.

Coloured, patterned rectangles move at constant velocity across a textured background; their
straight paths cross, the later-drawn object hiding the earlier one, and a pillar in the middle
of the scene hides every object that passes behind it. Every frame comes with the exact
boxes and identities of the objects a viewer can see (at least half visible), and
:func:`noisy_detections` plays the part of a detector: jittered boxes, misses and false alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import _describe, check_number, random_generator

__all__ = ["TrackingSequence", "moving_objects", "noisy_detections"]

#: Distinct object colours (RGB in [0, 1]); each object gets one, with a darker stripe pattern.
PALETTE = np.array([[0.90, 0.15, 0.15], [0.15, 0.45, 0.95], [0.95, 0.85, 0.10], [0.20, 0.80, 0.25],
                    [0.85, 0.30, 0.85], [0.10, 0.85, 0.85], [0.98, 0.55, 0.10], [0.55, 0.25, 0.10],
                    [0.95, 0.95, 0.95], [0.45, 0.20, 0.75]])


@dataclass
class TrackingSequence:
    """A rendered sequence and its ground truth.

    Attributes
    ----------
    frames : numpy.ndarray of float32, shape (T, H, W, 3)
        RGB in [0, 1].
    ground_truth : list of (ids, boxes)
        Per frame, the identities (N,) and xyxy boxes (N, 4) of the objects at least half visible.
    visibility : numpy.ndarray, shape (T, K)
        The visible fraction of each object in each frame.
    boxes : numpy.ndarray, shape (T, K, 4)
        Every object's true box in every frame, hidden or not.
    pillar : tuple of int
        The columns (x1, x2) of the pillar that hides what passes behind it.
    """

    frames: np.ndarray
    ground_truth: list
    visibility: np.ndarray
    boxes: np.ndarray
    pillar: tuple


def _background(height: int, width: int, rng) -> np.ndarray:
    """A smooth grey texture: coarse noise, upsampled."""
    coarse = rng.uniform(0.25, 0.45, (height // 8 + 2, width // 8 + 2))
    rows = np.linspace(0, coarse.shape[0] - 1.001, height)
    columns = np.linspace(0, coarse.shape[1] - 1.001, width)
    r0, c0 = rows.astype(int), columns.astype(int)
    fr, fc = (rows - r0)[:, None], (columns - c0)[None, :]
    grey = ((1 - fr) * (1 - fc) * coarse[r0][:, c0] + (1 - fr) * fc * coarse[r0][:, c0 + 1]
            + fr * (1 - fc) * coarse[r0 + 1][:, c0] + fr * fc * coarse[r0 + 1][:, c0 + 1])
    return np.repeat(grey[..., None], 3, axis=2)


def _paths(num_objects, num_frames, height, width, rng):
    """Start boxes and velocities: objects enter from the left or right edge band and cross."""
    sizes = np.stack([rng.uniform(12, 20, num_objects), rng.uniform(16, 28, num_objects)], axis=1)
    from_left = np.arange(num_objects) % 2 == 0
    margin = 2.0
    start_x = np.where(from_left, rng.uniform(margin, width * 0.2, num_objects),
                       rng.uniform(width * 0.8, width - margin, num_objects) - sizes[:, 0])
    end_x = np.where(from_left, rng.uniform(width * 0.75, width - margin, num_objects) - sizes[:, 0],
                     rng.uniform(margin, width * 0.25, num_objects))
    start_y = rng.uniform(margin, height - margin - sizes[:, 1])
    end_y = np.clip(start_y + rng.normal(0, height * 0.25, num_objects), margin, height - margin - sizes[:, 1])
    velocity = np.stack([end_x - start_x, end_y - start_y], axis=1) / (num_frames - 1)
    return np.stack([start_x, start_y], axis=1), sizes, velocity


def moving_objects(num_frames: int = 60, num_objects: int = 6, size=(96, 128), pillar: bool = True,
                   seed=0) -> TrackingSequence:
    """Render a sequence of objects that cross one another and pass behind a pillar.

    Parameters
    ----------
    num_frames : int
    num_objects : int
        At most 10 (one colour each).
    size : (int, int)
        Frame height and width.
    pillar : bool
        Draw a pillar in the middle that hides the objects behind it.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    TrackingSequence

    Examples
    --------
    >>> sequence = moving_objects(num_frames=5, num_objects=3, seed=1)
    >>> sequence.frames.shape, len(sequence.ground_truth)
    ((5, 96, 128, 3), 5)
    """
    num_frames = check_number(num_frames, "num_frames", low=2, integer=True)
    num_objects = check_number(num_objects, "num_objects", low=1, high=len(PALETTE), integer=True)
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"size must be a (height, width) pair; got {_describe(size)}.")
    height = check_number(size[0], "size[0]", low=48, integer=True)
    width = check_number(size[1], "size[1]", low=48, integer=True)
    rng = random_generator(seed)
    background = _background(height, width, rng)
    starts, sizes, velocity = _paths(num_objects, num_frames, height, width, rng)
    colours = PALETTE[rng.permutation(len(PALETTE))[:num_objects]]
    stripe = rng.integers(3, 6, num_objects)
    pillar_columns = (width // 2 - 6, width // 2 + 6) if pillar else (0, 0)
    rows, columns = np.mgrid[:height, :width]
    frames = np.zeros((num_frames, height, width, 3), dtype=np.float32)
    boxes = np.zeros((num_frames, num_objects, 4))
    visibility = np.zeros((num_frames, num_objects))
    for t in range(num_frames):
        frame = background.copy()
        owner = np.full((height, width), -1)
        for k in range(num_objects):  # later objects are nearer the camera
            x1, y1 = starts[k] + velocity[k] * t
            x2, y2 = x1 + sizes[k, 0], y1 + sizes[k, 1]
            boxes[t, k] = x1, y1, x2, y2
            inside = (columns + 0.5 >= x1) & (columns + 0.5 < x2) & (rows + 0.5 >= y1) & (rows + 0.5 < y2)
            dark = ((rows - int(y1)) // stripe[k]) % 2 == 1
            frame[inside] = colours[k]
            frame[inside & dark] = colours[k] * 0.55
            owner[inside] = k
        if pillar:
            frame[:, pillar_columns[0]:pillar_columns[1]] = (0.35, 0.22, 0.12)
            owner[:, pillar_columns[0]:pillar_columns[1]] = -1
        areas = np.bincount(owner[owner >= 0], minlength=num_objects)
        full = np.maximum((np.ceil(boxes[t, :, 2] - 0.5) - np.ceil(boxes[t, :, 0] - 0.5))
                          * (np.ceil(boxes[t, :, 3] - 0.5) - np.ceil(boxes[t, :, 1] - 0.5)), 1)
        visibility[t] = np.minimum(areas / full, 1.0)
        frames[t] = np.clip(frame + rng.normal(0, 0.02, frame.shape), 0, 1)
    ground_truth = []
    for t in range(num_frames):
        seen = np.flatnonzero(visibility[t] >= 0.5)
        ground_truth.append((seen + 1, boxes[t, seen].copy()))
    return TrackingSequence(frames, ground_truth, visibility, boxes, pillar_columns)


def noisy_detections(sequence: TrackingSequence, noise: float = 1.0, miss_rate: float = 0.02,
                     false_alarms: float = 0.05, seed=0) -> list:
    """What a good but imperfect detector reports on each frame of a sequence.

    Parameters
    ----------
    sequence : TrackingSequence
    noise : float
        Standard deviation, in pixels, of the jitter added to each box coordinate.
    miss_rate : float
        Probability that a visible object is not detected.
    false_alarms : float
        Mean number of boxes per frame on nothing in particular.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    list of numpy.ndarray
        One (D_t, 4) array of xyxy boxes per frame, in random order (a detector knows no identities).
    """
    if not isinstance(sequence, TrackingSequence):
        raise TypeError(f"sequence must be a TrackingSequence from moving_objects; got {_describe(sequence)}.")
    noise = check_number(noise, "noise", low=0, finite=True)
    miss_rate = check_number(miss_rate, "miss_rate", low=0, high=1)
    false_alarms = check_number(false_alarms, "false_alarms", low=0, finite=True)
    rng = random_generator(seed)
    height, width = sequence.frames.shape[1:3]
    detections = []
    for _, boxes in sequence.ground_truth:
        kept = boxes[rng.random(len(boxes)) >= miss_rate]
        jittered = kept + rng.normal(0, noise, kept.shape)
        corner = rng.uniform([0, 0], [width - 20, height - 20], (rng.poisson(false_alarms), 2))
        spurious = np.concatenate([corner, corner + rng.uniform(8, 20, corner.shape)], axis=1)
        found = np.concatenate([jittered, spurious])
        found[:, 2:] = np.maximum(found[:, 2:], found[:, :2] + 1)
        detections.append(found[rng.permutation(len(found))])
    return detections
