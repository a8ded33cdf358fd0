"""Segmentation metrics and losses (chapters 15 and 16): mIoU, panoptic quality, Dice, in 2-D and 3-D."""

from .dice import dice_loss, dice_score
from .overlap import confusion_matrix, mean_iou, panoptic_quality

__all__ = ["confusion_matrix", "mean_iou", "panoptic_quality", "dice_score", "dice_loss"]
