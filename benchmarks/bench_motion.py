"""Time cvcourse.motion's dense flow against OpenCV's Farneback (and scikit-image's iLK).

    python benchmarks/bench_motion.py [--quick] [--repeats 3]

On a 640 x 480 pair (320 x 240 with --quick) of the course's synthetic frames, moving by
up to 2 pixels: one-step dense Lucas-Kanade (window 15), Horn-Schunck (100 iterations) and
the coarse-to-fine Lucas-Kanade (4 levels, 3 warps each), each against
``cv2.calcOpticalFlowFarneback`` (4 levels, window 15), the dense method OpenCV offers.
``benchmarks/run.py`` (``make bench``) includes these cases in its table.
"""

from __future__ import annotations

import argparse
import sys

from run import Case, median_ms


def motion_cases(quick: bool) -> list[Case]:
    import cv2
    import numpy as np
    from skimage.registration import optical_flow_ilk

    from cvcourse import data, motion

    shape = (240, 320) if quick else (480, 640)
    images, _ = data.flow_sequence("rotation", shape=shape, motion=2.0, seed=0)
    frame0, frame1 = images
    frame0_8, frame1_8 = (np.clip(f * 255 + 0.5, 0, 255).astype(np.uint8) for f in images)
    what = f"{shape[1]}x{shape[0]} frame pair"

    def farneback():
        return cv2.calcOpticalFlowFarneback(frame0_8, frame1_8, None, 0.5, 4, 15, 3, 5, 1.2, 0)

    return [
        Case("dense Lucas-Kanade, window 15", what, "OpenCV", 10.0, {
            "cvcourse": lambda: motion.lucas_kanade_dense(frame0, frame1, window=15),
            "OpenCV": farneback}),
        Case("Horn-Schunck, 100 iterations", what, "OpenCV", 10.0, {
            "cvcourse": lambda: motion.horn_schunck(frame0, frame1, alpha=0.05, iterations=100),
            "OpenCV": farneback}),
        Case("Lucas-Kanade, 4 levels x 3 warps", what, "OpenCV", 10.0, {
            "cvcourse": lambda: motion.lucas_kanade_dense(frame0, frame1, window=15, iterations=3, levels=4),
            "scikit-image": lambda: optical_flow_ilk(frame0, frame1, radius=7, num_warp=3, gaussian=False,
                                                     prefilter=False),
            "OpenCV": farneback}),
    ]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="320 x 240 frames")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per implementation")
    args = parser.parse_args(argv)
    print(f"cvcourse.motion against OpenCV's Farneback, median of {args.repeats} runs:")
    for case in motion_cases(args.quick):
        timings = {library: median_ms(function, args.repeats) for library, function in case.implementations.items()}
        others = ", ".join(f"{library} {ms:.0f} ms" for library, ms in timings.items() if library != "cvcourse")
        print(f"  {case.name} ({case.input}): cvcourse {timings['cvcourse']:.0f} ms, {others}, "
              f"ratio to {case.reference} {timings['cvcourse'] / timings[case.reference]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
