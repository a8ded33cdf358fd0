"""Time cvcourse.detection's box_iou, nms and roi_align against torchvision.ops on the CPU.

    python benchmarks/bench_detection.py [--repeats 5]

Realistic sizes: IoU of 2,000 x 2,000 boxes; NMS of 5,000 scored boxes at IoU 0.5 (the
number a region proposal network keeps before NMS); RoIAlign of 512 boxes to 7x7 on a
1 x 256 x 50 x 50 feature map (Faster R-CNN's second stage). Prints the median times and the
ratio cvcourse / torchvision.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch
from torchvision import ops

from cvcourse import detection
from run import median_ms


def cases():
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 800, (5000, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(10, 200, (5000, 2))], axis=1)
    scores = rng.random(5000)
    features = rng.standard_normal((1, 256, 50, 50)).astype(np.float32)
    rois = np.column_stack([np.zeros(512), boxes[:512] * 0.8]).astype(np.float32)
    t_boxes, t_scores = torch.tensor(boxes), torch.tensor(scores)
    t_features, t_rois = torch.tensor(features), torch.tensor(rois)
    return [
        ("box_iou 2,000 x 2,000", lambda: detection.box_iou(boxes[:2000], boxes[2000:4000]),
         lambda: ops.box_iou(t_boxes[:2000], t_boxes[2000:4000])),
        ("nms 5,000 boxes", lambda: detection.nms(boxes, scores, 0.5), lambda: ops.nms(t_boxes, t_scores, 0.5)),
        ("roi_align 512 boxes, 256 x 50 x 50 -> 7 x 7",
         lambda: detection.roi_align(features, rois, 7, 1 / 16, 2, True),
         lambda: ops.roi_align(t_features, t_rois, 7, 1 / 16, 2, True)),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per implementation")
    args = parser.parse_args(argv)
    print(f"cvcourse.detection against torchvision.ops on the CPU, median of {args.repeats} runs:")
    for name, ours, theirs in cases():
        mine, reference = median_ms(ours, args.repeats), median_ms(theirs, args.repeats)
        print(f"  {name}: cvcourse {mine:.1f} ms, torchvision {reference:.1f} ms, ratio {mine / reference:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
