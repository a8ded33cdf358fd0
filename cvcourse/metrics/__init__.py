"""Segmentation metrics and losses: overlap of label maps, per class, in 2-D and 3-D."""

from .dice import dice_loss, dice_score

__all__ = ["dice_score", "dice_loss"]
