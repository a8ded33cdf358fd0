"""Localisation and detection: boxes, RoI pooling, anchors, proposals, evaluation, a detector.

The operations are NumPy from first principles, each equal to the library practitioners use
(``torchvision.ops`` for boxes, NMS and RoI pooling; torchvision's ``BoxCoder``, ``Matcher``
and ``DefaultBoxGenerator`` for anchors; ``pycocotools`` for mAP). The networks are PyTorch
and run on whatever :func:`cvcourse.device` picks.

CenterNet's names (:mod:`cvcourse.detection.centernet`) and CRAFT's (:mod:`cvcourse.detection.craft`,
chapter 23) are exported too, but loaded on first use, so that ``import cvcourse.detection`` does
not import PyTorch.
"""

from .anchors import (BACKGROUND, IGNORE, anchor_grid, decode_boxes, default_boxes, encode_boxes,
                      match_anchors)
from .boxes import BOX_FORMATS, as_boxes, batched_nms, box_area, box_convert, box_iou, mask_to_box, nms
from .metrics import (COCO_IOU_THRESHOLDS, average_precision, match_detections, mean_average_precision,
                      precision_recall_curve)
from .proposals import selective_search
from .roi import roi_align, roi_pool

# CRAFT (chapter 23), from cvcourse.detection.craft; loaded on first use (it needs PyTorch).
_FROM_CRAFT = ("GAUSSIAN_SIGMA", "perspective_matrix", "quad_gaussian", "region_map", "affinity_boxes",
               "affinity_map", "split_word", "length_confidence", "convex_hull", "min_area_rect", "craft_decode", "text_f1", "CRAFTNet",
               "craft_targets", "train_craft", "predict_maps", "detect_words")

__all__ = [
    "BOX_FORMATS", "as_boxes", "box_convert", "box_area", "box_iou", "nms", "batched_nms", "mask_to_box",
    "roi_pool", "roi_align",
    "BACKGROUND", "IGNORE", "anchor_grid", "match_anchors", "encode_boxes", "decode_boxes", "default_boxes",
    "selective_search",
    "COCO_IOU_THRESHOLDS", "match_detections", "precision_recall_curve", "average_precision",
    "mean_average_precision",
    "gaussian_radius", "draw_gaussian", "centernet_targets", "heatmap_peaks", "centernet_decode", "focal_loss",
    "centernet_loss", "CenterNet", "CenterNetDataset", "centernet_detect",
    *_FROM_CRAFT,
]

_LAZY = {"centernet": ("gaussian_radius", "draw_gaussian", "centernet_targets", "heatmap_peaks", "centernet_decode",
                       "focal_loss", "centernet_loss", "CenterNet", "CenterNetDataset", "centernet_detect"),
         "craft": _FROM_CRAFT}


def __getattr__(name):
    """Load the PyTorch-based modules' names when they are first asked for (PEP 562)."""
    from importlib import import_module

    for module, names in _LAZY.items():
        if name in names:
            return getattr(import_module(f".{module}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
