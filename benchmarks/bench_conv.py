"""Time the NumPy convolution layer (im2col) against PyTorch on the CPU.

    python benchmarks/bench_conv.py [--repeats 20]

Forward plus backward pass (``conv_forward`` then ``conv_backward``) for a LeNet-sized batch
(64 x 1 x 28 x 28, six 5x5 filters) and a CIFAR-sized batch (64 x 3 x 32 x 32, 32 3x3
filters, padding 1), in float32, against ``torch.nn.functional.conv2d`` and autograd. The
cases are those of ``benchmarks/run.py`` (which puts them in the course's performance table);
this script prints only them, with more repeats. The goal: within 5x of PyTorch.
"""

from __future__ import annotations

import argparse
import sys

from run import conv_cases, time_cases


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per implementation")
    args = parser.parse_args(argv)
    print(f"Convolution layer, forward + backward, median of {args.repeats} runs:")
    rows = time_cases(conv_cases(quick=False), args.repeats)
    for row in rows:
        ms = row["ms"]
        print(f"  {row['case'].name}: NumPy {ms['cvcourse']:.2f} ms, PyTorch CPU {ms['torch CPU']:.2f} ms, "
              f"ratio {row['ratio']:.2f} ({'within' if row['met'] else 'over'} the {row['case'].goal:g}x goal)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
