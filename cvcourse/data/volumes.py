"""Synthetic 3-D volumes with a small, imbalanced foreground, for volumetric segmentation.

Medical volumes (CT, MRI, microscopy stacks) are mostly background: a tumour, a lesion or a
vessel tree fills a few percent of the voxels. No such data set ships inside a Python
package, so the course makes its own: bright **blobs** (ellipsoids, like lesions or nuclei)
and **tubes** (curved cylinders, like vessels or neurites) in a noisy volume with a smooth
intensity bias across it (as an MRI scanner's coil gives), and the exact label of every
voxel. Structure boundaries are partial-volume: a voxel half inside a blob is half as
bright. Everything comes from a seed, so a split is the same on every machine.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_number

__all__ = ["VOLUME_CLASSES", "synthetic_volumes"]

#: The labels of :func:`synthetic_volumes`.
VOLUME_CLASSES = ("background", "structure")


def _segment_distance(points: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Distance from each of ``points`` (..., 3) to the segment from ``start`` to ``end``."""
    direction = end - start
    t = np.clip(((points - start) @ direction) / (direction @ direction), 0.0, 1.0)
    return np.linalg.norm(points - start - t[..., None] * direction, axis=-1)


def _blob_depth(points: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """How far (in voxels) each point lies inside a random ellipsoid; negative outside."""
    radii = rng.uniform(2.5, 4.5, 3)
    centre = rng.uniform(radii + 1, size - radii - 1)
    scaled = np.linalg.norm((points - centre) / radii, axis=-1)
    return (1.0 - scaled) * radii.min()


def _tube_depth(points: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """How far each point lies inside a random curved tube (a bent polyline of 8 segments)."""
    radius = rng.uniform(1.5, 2.0)
    ends = rng.uniform(2, size - 2, (2, 3))
    bend = rng.uniform(size * 0.25, size * 0.75, 3)
    t = np.linspace(0.0, 1.0, 9)[:, None]  # a quadratic Bezier curve through the bend
    curve = (1 - t) ** 2 * ends[0] + 2 * t * (1 - t) * bend + t ** 2 * ends[1]
    distance = np.min([_segment_distance(points, a, b) for a, b in zip(curve[:-1], curve[1:])], axis=0)
    return radius - distance


def synthetic_volumes(count: int, size: int = 32, blobs: int = 2, tubes: int = 1, noise: float = 0.25,
                      seed: int = 0):
    """Noisy volumes of bright blobs and tubes, with the label of every voxel.

    Each volume holds 1 to ``blobs`` ellipsoids (radii 2.5-4.5 voxels) and 1 to ``tubes``
    curved tubes (radius 1.5-2 voxels); the foreground is typically 0.5-3% of the voxels.
    Intensities: background about 0.2, plus a linear bias across the volume (typically up to
    +-0.13 at its corners, +-0.26 at most), plus structures of contrast 0.4-0.6 (each its
    own), plus Gaussian noise of standard deviation ``noise``; a voxel on a boundary gets the
    fraction of the contrast it is inside.

    Parameters
    ----------
    count : int >= 1
    size : int >= 16
        Volumes are ``size`` x ``size`` x ``size`` voxels, indexed (depth, height, width).
    blobs, tubes : int >= 1
        The most blobs and tubes in one volume.
    noise : float >= 0
    seed : int >= 0

    Returns
    -------
    volumes : numpy.ndarray of float32, shape (count, size, size, size)
    labels : numpy.ndarray of int64, shape (count, size, size, size)
        0 (background) or 1 (structure); see :data:`VOLUME_CLASSES`.

    Examples
    --------
    >>> volumes, labels = synthetic_volumes(2, size=16, seed=1)
    >>> volumes.shape, labels.dtype.name, bool(0 < labels.mean() < 0.2)
    ((2, 16, 16, 16), 'int64', True)
    """
    count = check_number(count, "count", low=1, integer=True)
    size = check_number(size, "size", low=16, integer=True)
    blobs = check_number(blobs, "blobs", low=1, integer=True)
    tubes = check_number(tubes, "tubes", low=1, integer=True)
    noise = check_number(noise, "noise", low=0, finite=True)
    rng = np.random.default_rng(check_number(seed, "seed", low=0, integer=True))
    points = np.stack(np.meshgrid(*[np.arange(size) + 0.5] * 3, indexing="ij"), axis=-1)
    ramp = np.linspace(-1.0, 1.0, size)
    volumes = np.empty((count, size, size, size), dtype=np.float32)
    labels = np.empty((count, size, size, size), dtype=np.int64)
    for n in range(count):
        depths = [_blob_depth(points, size, rng) for _ in range(rng.integers(1, blobs + 1))]
        depths += [_tube_depth(points, size, rng) for _ in range(rng.integers(1, tubes + 1))]
        contrasts = rng.uniform(0.4, 0.6, len(depths))
        # partial volume: a voxel's share of a structure, from its depth inside (+-0.5 voxel)
        shares = [np.clip(depth + 0.5, 0.0, 1.0) for depth in depths]
        signal = np.max([c * share for c, share in zip(contrasts, shares)], axis=0)
        bias = 0.15 * (rng.uniform(-1, 1, 3)[:, None, None, None]
                       * np.stack(np.meshgrid(ramp, ramp, ramp, indexing="ij"))).sum(0) / np.sqrt(3)
        volumes[n] = 0.2 + bias + signal + rng.normal(0.0, noise, signal.shape)
        labels[n] = np.max(depths, axis=0) >= 0
    return volumes, labels
