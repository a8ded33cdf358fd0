"""Segmentation metrics and losses (chapters 15 and 16): mIoU, panoptic quality, Dice."""

from .overlap import confusion_matrix, mean_iou, panoptic_quality

__all__ = ["confusion_matrix", "mean_iou", "panoptic_quality"]
