"""Region-of-interest pooling: a fixed-size feature grid for every box (Fast R-CNN, Mask R-CNN).

A detector's backbone computes one feature map for the whole image; each candidate box
then needs a feature tensor of one fixed size (say 7x7) for the layers that classify it.
:func:`roi_pool` (Girshick 2015) snaps the box to the feature map's cells and takes the
maximum in each of the output's bins; :func:`roi_align` (He et al. 2017) does not snap:
it averages bilinear samples taken at exact positions, which matters for masks and small
objects. Both equal ``torchvision.ops.roi_pool`` / ``roi_align``, including their options.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array, check_finite, check_number

__all__ = ["roi_pool", "roi_align"]


def _features(features) -> np.ndarray:
    array = as_array(features, "features")
    if array.dtype == np.bool_:
        raise TypeError("features must hold numbers; got dtype bool.")
    if array.ndim != 4:
        raise ValueError(f"features must be 4-D, shape (N, C, H, W); got shape {array.shape}.")
    if min(array.shape[2:]) == 0 or array.shape[1] == 0:
        raise ValueError(f"features must have at least one channel and pixel; got shape {array.shape}.")
    check_finite(array, "features")
    return array.astype(np.float64)


def _rois(boxes, batch_size: int) -> np.ndarray:
    """Boxes as (K, 5) rows (batch index, x1, y1, x2, y2), checked."""
    array = as_array(boxes, "boxes")
    if array.ndim != 2 or array.shape[1] != 5:
        raise ValueError("boxes must have shape (K, 5), rows (batch index, x1, y1, x2, y2); "
                         f"got shape {array.shape}.")
    check_finite(array, "boxes")
    array = array.astype(np.float64)
    index = array[:, 0]
    if np.any((index != np.round(index)) | (index < 0) | (index >= batch_size)):
        raise ValueError(f"boxes[:, 0] must be batch indices 0 to {batch_size - 1}; got {np.unique(index)[:5]}.")
    if np.any((array[:, 3] < array[:, 1]) | (array[:, 4] < array[:, 2])):
        raise ValueError("boxes must have x1 <= x2 and y1 <= y2 (columns 1-4 are x1, y1, x2, y2).")
    return array


def _output_size(output_size) -> tuple[int, int]:
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(f"output_size must be an int or (height, width); got {output_size!r}.")
        return tuple(check_number(s, "output_size", low=1, integer=True) for s in output_size)
    size = check_number(output_size, "output_size", low=1, integer=True)
    return size, size


def _round_half_away(values: np.ndarray) -> np.ndarray:
    """Round as C's ``round`` does (2.5 -> 3, -2.5 -> -3), which torchvision uses."""
    return np.sign(values) * np.floor(np.abs(values) + 0.5)


def roi_pool(features, boxes, output_size, spatial_scale: float = 1.0) -> np.ndarray:
    """RoI max pooling (Fast R-CNN): the maximum of each bin of a box snapped to the grid.

    Each box is scaled by ``spatial_scale`` (the feature map's size over the image's, e.g.
    1/16) and rounded to whole cells, ends included; its cells are split into
    ``output_size`` bins (bin edges rounded outwards), and each bin gives its maximum.
    Bins that fall outside the feature map are 0.

    Parameters
    ----------
    features : array_like, shape (N, C, H, W)
    boxes : array_like, shape (K, 5)
        Rows ``(batch index, x1, y1, x2, y2)`` in image coordinates.
    output_size : int or (int, int)
        The pooled height and width.
    spatial_scale : float > 0

    Returns
    -------
    numpy.ndarray, shape (K, C, out_height, out_width)
        float64.

    Examples
    --------
    >>> features = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_pool(features, [[0, 0, 0, 3, 3]], 2)[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    features = _features(features)
    rois = _rois(boxes, len(features))
    pooled_h, pooled_w = _output_size(output_size)
    spatial_scale = check_number(spatial_scale, "spatial_scale", low=0, low_inclusive=False, finite=True)
    _, channels, height, width = features.shape
    output = np.zeros((len(rois), channels, pooled_h, pooled_w))
    # channels last, so that each maximum below reduces over whole contiguous rows of channels
    # (a third of the time of the (N, C, H, W) layout on chapter 14's benchmark)
    channels_last = features.transpose(0, 2, 3, 1).copy()
    corners = _round_half_away(rois[:, 1:] * spatial_scale).astype(np.int64)
    for k, (x1, y1, x2, y2) in enumerate(corners):
        tops, bottoms = _bin_edges(y1, max(y2 - y1 + 1, 1) / pooled_h, pooled_h, height)
        lefts, rights = _bin_edges(x1, max(x2 - x1 + 1, 1) / pooled_w, pooled_w, width)
        used = (bottoms > tops)[:, None] & (rights > lefts)[None, :]
        if not used.any():
            continue
        first, last = lefts[rights > lefts].min(), rights.max()
        image = channels_last[int(rois[k, 0]), :, first:last]
        # Maximum over each bin's rows, then over each bin's columns: P + Q slices, not P x Q.
        strips = np.stack([image[t:b].max(axis=0) if b > t else np.zeros((last - first, channels))
                           for t, b in zip(tops, bottoms)])
        bins = np.stack([strips[:, left - first:right - first].max(axis=1) if right > left
                         else np.zeros((pooled_h, channels)) for left, right in zip(lefts, rights)], axis=1)
        output[k] = np.where(used, bins.transpose(2, 0, 1), 0.0)
    return output


def _bin_edges(start: int, bin_size: float, bins: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last cell of every RoI-pooling bin along one axis, clipped to the map."""
    index = np.arange(bins)
    low = np.clip(np.floor(index * bin_size).astype(np.int64) + start, 0, length)
    high = np.clip(np.ceil((index + 1) * bin_size).astype(np.int64) + start, 0, length)
    return low, high


def _sampling_matrix(start: float, bin_size: float, bins: int, grid: int, length: int) -> np.ndarray:
    """Bilinear weights of the samples of every bin along one axis, summed: shape (bins, length).

    Sample ``s`` of bin ``b`` sits at ``start + b * bin_size + (s + 0.5) * bin_size / grid``.
    Like torchvision, a sample more than one cell outside the map counts as 0, one less
    than a cell outside is moved onto the border, and the last row repeats past the end.
    """
    matrix = np.zeros((bins, length))
    if grid == 0:
        return matrix
    positions = (start + np.arange(bins)[:, None] * bin_size
                 + (np.arange(grid)[None, :] + 0.5) * bin_size / grid)
    valid = (positions >= -1.0) & (positions <= length)
    positions = np.clip(positions, 0, None)
    low = np.floor(positions).astype(np.int64)
    at_end = low >= length - 1
    low = np.where(at_end, length - 1, low)
    high = np.where(at_end, length - 1, low + 1)
    high_weight = np.where(at_end, 0.0, positions - low) * valid
    low_weight = (1.0 - np.where(at_end, 0.0, positions - low)) * valid
    rows = np.repeat(np.arange(bins), grid)
    np.add.at(matrix, (rows, low.ravel()), low_weight.ravel())
    np.add.at(matrix, (rows, high.ravel()), high_weight.ravel())
    return matrix


def roi_align(features, boxes, output_size, spatial_scale: float = 1.0, sampling_ratio: int = -1,
              aligned: bool = False) -> np.ndarray:
    """RoIAlign (Mask R-CNN): average of bilinear samples at exact positions in every bin.

    The box is scaled by ``spatial_scale`` but not rounded, cut into ``output_size`` equal
    bins, and each bin is the mean of ``sampling_ratio`` x ``sampling_ratio`` bilinearly
    interpolated samples (``sampling_ratio <= 0``: ``ceil(bin size)`` samples per axis,
    chosen per box). With ``aligned=True`` the box is shifted by half a cell so that the
    pixel with index 0 covers [0, 1) (the correct convention); ``False`` reproduces the
    original implementation, which also makes boxes at least one cell tall and wide.

    Bilinear interpolation is separable, so each box's output is
    ``A_y @ features @ A_x.T`` with one small weight matrix per axis, applied only to the
    window of the feature map that the box's samples touch.

    Parameters
    ----------
    features : array_like, shape (N, C, H, W)
    boxes : array_like, shape (K, 5)
        Rows ``(batch index, x1, y1, x2, y2)`` in image coordinates.
    output_size : int or (int, int)
    spatial_scale : float > 0
    sampling_ratio : int
        Samples per bin along each axis; 0 or negative for adaptive.
    aligned : bool

    Returns
    -------
    numpy.ndarray, shape (K, C, out_height, out_width)
        float64.

    Examples
    --------
    >>> features = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> roi_align(features, [[0, 0, 0, 2, 2]], 1)[0, 0]  # samples at (0.5, 0.5), (0.5, 1.5), ...
    array([[5.]])
    >>> roi_align(features, [[0, 0, 0, 2, 2]], 1, aligned=True)[0, 0]  # half a pixel up and left
    array([[2.5]])
    """
    features = _features(features)
    rois = _rois(boxes, len(features))
    pooled_h, pooled_w = _output_size(output_size)
    spatial_scale = check_number(spatial_scale, "spatial_scale", low=0, low_inclusive=False, finite=True)
    sampling_ratio = check_number(sampling_ratio, "sampling_ratio", integer=True)
    if not isinstance(aligned, (bool, np.bool_)):
        raise TypeError(f"aligned must be True or False; got {aligned!r}.")
    _, channels, height, width = features.shape
    output = np.zeros((len(rois), channels, pooled_h, pooled_w))
    offset = 0.5 if aligned else 0.0
    for k, roi in enumerate(rois):
        x1, y1, x2, y2 = roi[1:] * spatial_scale - offset
        roi_w, roi_h = x2 - x1, y2 - y1
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / pooled_h, roi_w / pooled_w
        grid_h = sampling_ratio if sampling_ratio > 0 else int(np.ceil(roi_h / pooled_h))
        grid_w = sampling_ratio if sampling_ratio > 0 else int(np.ceil(roi_w / pooled_w))
        rows = _sampling_matrix(y1, bin_h, pooled_h, grid_h, height)
        columns = _sampling_matrix(x1, bin_w, pooled_w, grid_w, width)
        (top, bottom), (left, right) = _support(rows), _support(columns)
        if bottom > top and right > left:
            window = features[int(roi[0]), :, top:bottom, left:right]
            output[k] = rows[:, top:bottom] @ window @ columns[:, left:right].T / (grid_h * grid_w)
    return output


def _support(weights: np.ndarray) -> tuple[int, int]:
    """The range [first, last + 1) of the columns of ``weights`` that hold a non-zero weight.

    A box covers a few cells of the feature map, so multiplying only by that window (not the
    whole map) makes RoIAlign's cost independent of the map's size.
    """
    used = np.flatnonzero(weights.any(axis=0))
    return (int(used[0]), int(used[-1]) + 1) if used.size else (0, 0)
