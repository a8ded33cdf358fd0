"""Time cvcourse against the libraries practitioners use, and every chapter's execution.

    python benchmarks/run.py            full run: 1024x1024 images, 7 repeats, all chapters
    python benchmarks/run.py --quick    smoke run: 256x256 images, 2 repeats, no chapters

Each operation runs on the same input in the same process for every implementation: one
warm-up call, then repeats; the table reports the median time in milliseconds and the ratio
cvcourse / reference, where the reference is scikit-image, or the closest equivalent when
scikit-image has no such function (SciPy for plain correlation, PyTorch on the CPU for the
convolution layer). The results go to the terminal and to benchmarks/RESULTS.md, which the
book's Performance page includes.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

LIBRARIES = ("cvcourse", "scikit-image", "SciPy", "OpenCV", "torch CPU", "torch CUDA", "torchvision CPU")
CHAPTER_BUDGET_S = 60.0


@dataclass
class Case:
    """One operation, its input, and an implementation per library (a zero-argument callable)."""

    name: str
    input: str
    reference: str
    goal: float
    implementations: dict = field(default_factory=dict)


def _optional_cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


def _torch_devices():
    import torch

    devices = {"torch CPU": torch.device("cpu")}
    if torch.cuda.is_available():
        devices["torch CUDA"] = torch.device("cuda")
    return devices


def image_cases(size: int) -> list[Case]:
    """Part I operations on a size x size float64 image (the camera, resized)."""
    import scipy.ndimage as ndi
    import skimage
    import skimage.feature
    import skimage.filters
    import skimage.restoration
    import skimage.transform

    from cvcourse import color, data, features, filters, restoration, segmentation, transform

    cv2 = _optional_cv2()
    gray = skimage.transform.resize(data.load_image("camera") / 255.0, (size, size), anti_aliasing=True)
    rgb = skimage.transform.resize(data.load_image("astronaut") / 255.0, (size, size, 3), anti_aliasing=True)
    gray32, rgb32 = gray.astype(np.float32), rgb.astype(np.float32)
    gray8 = (gray * 255).astype(np.uint8)
    image = f"{size}x{size} float64"
    kernel3 = np.random.default_rng(0).random((3, 3))
    kernel7 = np.random.default_rng(1).random((7, 7))
    cases = []

    def case(name, reference, goal=2.0, what=image, **implementations):
        implementations = {k.replace("_", " ").replace("skimage", "scikit-image"): v
                           for k, v in implementations.items() if v is not None}
        cases.append(Case(name, what, reference, goal, implementations))

    case("rgb_to_gray", "scikit-image", what=f"{size}x{size}x3 float64",
         cvcourse=lambda: color.rgb_to_gray(rgb),
         skimage=lambda: skimage.color.rgb2gray(rgb),
         OpenCV=cv2 and (lambda: cv2.cvtColor(rgb32, cv2.COLOR_RGB2GRAY)))
    case("rgb_to_hsv", "scikit-image", what=f"{size}x{size}x3 float64",
         cvcourse=lambda: color.rgb_to_hsv(rgb),
         skimage=lambda: skimage.color.rgb2hsv(rgb),
         OpenCV=cv2 and (lambda: cv2.cvtColor(rgb32, cv2.COLOR_RGB2HSV)))
    for label, kernel in (("correlate 3x3", kernel3), ("correlate 7x7", kernel7)):
        case(label, "SciPy",
             cvcourse=lambda k=kernel: filters.correlate2d(gray, k, mode="mirror"),
             SciPy=lambda k=kernel: ndi.correlate(gray, k, mode="mirror"),
             OpenCV=cv2 and (lambda k=kernel: cv2.filter2D(gray, -1, k, borderType=cv2.BORDER_REFLECT_101)))
    case("Gaussian blur, sigma 2", "scikit-image",
         cvcourse=lambda: filters.gaussian_blur(gray, 2.0),
         skimage=lambda: skimage.filters.gaussian(gray, sigma=2.0, mode="reflect"),
         SciPy=lambda: ndi.gaussian_filter(gray, 2.0),
         OpenCV=cv2 and (lambda: cv2.GaussianBlur(gray, (0, 0), 2.0)))
    case("median 5x5", "scikit-image",
         cvcourse=lambda: filters.median_filter(gray, 5),
         skimage=lambda: skimage.filters.median(gray, np.ones((5, 5), dtype=bool)),
         SciPy=lambda: ndi.median_filter(gray, 5),
         OpenCV=cv2 and (lambda: cv2.medianBlur(gray32, 5)))
    case("Sobel magnitude", "scikit-image",
         cvcourse=lambda: filters.sobel(gray),
         skimage=lambda: skimage.filters.sobel(gray),
         OpenCV=cv2 and (lambda: cv2.magnitude(cv2.Sobel(gray, cv2.CV_64F, 1, 0), cv2.Sobel(gray, cv2.CV_64F, 0, 1))))
    case("Canny, sigma 2", "scikit-image",
         cvcourse=lambda: filters.canny(gray, sigma=2.0, low_threshold=0.05, high_threshold=0.15),
         skimage=lambda: skimage.feature.canny(gray, sigma=2.0, low_threshold=0.05, high_threshold=0.15),
         OpenCV=cv2 and (lambda: cv2.Canny(gray8, 50, 150)))
    case("Harris response", "scikit-image",
         cvcourse=lambda: features.harris(gray, sigma=1.0),
         skimage=lambda: skimage.feature.corner_harris(gray, sigma=1.0),
         OpenCV=cv2 and (lambda: cv2.cornerHarris(gray32, 3, 3, 0.05)))
    case("Otsu threshold", "scikit-image",
         cvcourse=lambda: segmentation.otsu_threshold(gray),
         skimage=lambda: skimage.filters.threshold_otsu(gray),
         OpenCV=cv2 and (lambda: cv2.threshold(gray8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)))
    case("local threshold, Gaussian, block 35", "scikit-image",
         cvcourse=lambda: segmentation.local_threshold(gray, 35, "gaussian"),
         skimage=lambda: skimage.filters.threshold_local(gray, 35, "gaussian"))
    rotation = transform.compose(transform.rotation_matrix(30, center=(size / 2, size / 2)),
                                 transform.scaling_matrix(0.8, center=(size / 2, size / 2)))
    inverse = np.linalg.inv(rotation)
    case("affine warp, bilinear", "scikit-image",
         cvcourse=lambda: transform.warp_affine(gray, rotation, order=1),
         skimage=lambda: skimage.transform.warp(gray, inverse, order=1, preserve_range=True),
         SciPy=lambda: ndi.affine_transform(gray, _row_col(inverse), order=1),
         OpenCV=cv2 and (lambda: cv2.warpAffine(gray, rotation[:2], (size, size), flags=cv2.INTER_LINEAR)))
    psf = restoration.gaussian_psf(9, 2.0)
    blurred = restoration.blur(gray, psf)
    case("Richardson-Lucy, 10 iterations", "scikit-image",
         cvcourse=lambda: restoration.richardson_lucy(blurred, psf, num_iter=10),
         skimage=lambda: skimage.restoration.richardson_lucy(blurred, psf, num_iter=10))
    case("bilateral filter, 7x7 window", "scikit-image",
         cvcourse=lambda: restoration.bilateral_filter(gray, sigma_spatial=1.5, sigma_color=0.1, win_size=7),
         skimage=lambda: skimage.restoration.denoise_bilateral(gray, win_size=7, sigma_color=0.1, sigma_spatial=1.5),
         OpenCV=cv2 and (lambda: cv2.bilateralFilter(gray32, 7, 0.1, 1.5)))
    case("integral image", "scikit-image",
         cvcourse=lambda: features.integral_image(gray),
         skimage=lambda: skimage.transform.integral_image(gray),
         OpenCV=cv2 and (lambda: cv2.integral(gray)))
    return cases


def _row_col(matrix):
    """A 3x3 (x, y) homogeneous matrix rewritten for scipy.ndimage's (row, column) order."""
    swap = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    return swap @ matrix @ swap


def conv_cases(quick: bool) -> list[Case]:
    """The convolution layer, forward and backward, NumPy (im2col) against PyTorch."""
    import torch
    import torch.nn.functional as F

    from cvcourse import nn

    shapes = {
        "LeNet-sized": ((64, 1, 28, 28), (6, 1, 5, 5), 0),
        "CIFAR-sized": ((64, 3, 32, 32), (32, 3, 3, 3), 1),
    }
    if quick:
        shapes = {k: ((8, *x[1:]), w, p) for k, (x, w, p) in shapes.items()}
    cases = []
    for label, (x_shape, w_shape, pad) in shapes.items():
        rng = np.random.default_rng(0)
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        b = np.zeros(w_shape[0], dtype=np.float32)

        def numpy_step(x=x, w=w, b=b, pad=pad):
            out = nn.conv_forward(x, w, b, stride=1, pad=pad)
            return nn.conv_backward(np.ones_like(out), x, w, stride=1, pad=pad)

        implementations = {"cvcourse": numpy_step}
        for name, device in _torch_devices().items():
            def torch_step(device=device, x=x, w=w, pad=pad):
                xt = torch.tensor(x, device=device, requires_grad=True)
                wt = torch.tensor(w, device=device, requires_grad=True)
                bt = torch.zeros(w.shape[0], device=device, requires_grad=True)
                F.conv2d(xt, wt, bt, padding=pad).sum().backward()
                if device.type == "cuda":
                    torch.cuda.synchronize()
                return xt.grad

            implementations[name] = torch_step
        what = f"x {x_shape}, w {w_shape}, pad {pad}, float32"
        cases.append(Case(f"conv forward + backward, {label}", what, "torch CPU", 5.0, implementations))
    return cases


def detection_cases(quick: bool) -> list[Case]:
    """Chapter 14's box operations against torchvision.ops on the CPU, at realistic sizes.

    IoU of 2,000 x 2,000 boxes; NMS of 5,000 scored boxes at IoU 0.5 (what a region proposal
    network keeps before NMS); RoIAlign and RoI pooling of 512 boxes to 7x7 on a
    1 x 256 x 50 x 50 feature map (Faster R-CNN's second stage). Quick mode divides the counts.
    """
    import torch
    from torchvision import ops

    from cvcourse import detection

    count, rois_count, channels = (500, 64, 32) if quick else (5000, 512, 256)
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 800, (count, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(10, 200, (count, 2))], axis=1)
    scores = rng.random(count)
    features = rng.standard_normal((1, channels, 50, 50)).astype(np.float32)
    rois = np.column_stack([np.zeros(rois_count), boxes[:rois_count] * 0.8]).astype(np.float32)
    t_boxes, t_scores = torch.tensor(boxes), torch.tensor(scores)
    t_features, t_rois = torch.tensor(features), torch.tensor(rois)
    half = count * 2 // 5
    roi_input = f"{rois_count} boxes, 1 x {channels} x 50 x 50 -> 7 x 7, float32"

    def case(name, what, ours, theirs):
        return Case(name, what, "torchvision CPU", 5.0, {"cvcourse": ours, "torchvision CPU": theirs})

    return [
        case("box_iou", f"{half:,} x {half:,} boxes",
             lambda: detection.box_iou(boxes[:half], boxes[half:2 * half]),
             lambda: ops.box_iou(t_boxes[:half], t_boxes[half:2 * half])),
        case("nms", f"{count:,} boxes, IoU 0.5", lambda: detection.nms(boxes, scores, 0.5),
             lambda: ops.nms(t_boxes, t_scores, 0.5)),
        case("roi_align", roi_input + ", 2 samples, aligned",
             lambda: detection.roi_align(features, rois, 7, 1 / 16, 2, True),
             lambda: ops.roi_align(t_features, t_rois, 7, 1 / 16, 2, True)),
        case("roi_pool", roi_input, lambda: detection.roi_pool(features, rois, 7, 1 / 16),
             lambda: ops.roi_pool(t_features, t_rois, 7, 1 / 16)),
    ]


def conv_transpose_cases(quick: bool) -> list[Case]:
    """The transposed convolution (U-Net's 2x upsampling), forward and backward, NumPy against PyTorch."""
    import torch
    import torch.nn.functional as F

    from cvcourse import nn

    x_shape, w_shape = ((8 if quick else 64), 32, 12, 12), (32, 16, 2, 2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)

    def numpy_step():
        out = nn.conv_transpose_forward(x, w, stride=2)
        return nn.conv_transpose_backward(np.ones_like(out), x, w, stride=2)

    implementations = {"cvcourse": numpy_step}
    for name, device in _torch_devices().items():
        def torch_step(device=device):
            xt = torch.tensor(x, device=device, requires_grad=True)
            wt = torch.tensor(w, device=device, requires_grad=True)
            F.conv_transpose2d(xt, wt, stride=2).sum().backward()
            if device.type == "cuda":
                torch.cuda.synchronize()
            return xt.grad

        implementations[name] = torch_step
    what = f"x {x_shape}, w {w_shape}, stride 2, float32"
    return [Case("conv_transpose forward + backward, U-Net upsampling", what, "torch CPU", 5.0, implementations)]


def attention_cases(quick: bool) -> list[Case]:
    """Chapter 25's sampler: bilinear grid_sample of a spatial transformer's batch (a rotation and
    zoom of 64 images of 3 x 96 x 96, float32), NumPy against PyTorch on the CPU."""
    import torch
    import torch.nn.functional as F

    from cvcourse import attention

    count = 8 if quick else 64
    rng = np.random.default_rng(0)
    x = rng.random((count, 3, 96, 96), dtype=np.float32)
    angle = rng.uniform(-0.5, 0.5, count)
    theta = np.stack([np.stack([np.cos(angle), -np.sin(angle), rng.uniform(-0.2, 0.2, count)], -1),
                      np.stack([np.sin(angle), np.cos(angle), rng.uniform(-0.2, 0.2, count)], -1)], 1) * 0.8
    grid = attention.affine_grid(theta.astype(np.float32), x.shape, align_corners=False)
    t_x, t_grid = torch.from_numpy(x), torch.from_numpy(grid)
    what = f"{count} x 3 x 96 x 96 -> 96 x 96, bilinear, zeros padding, float32"
    return [Case("grid_sample", what, "torch CPU", 5.0, {
        "cvcourse": lambda: attention.grid_sample(x, grid, "bilinear", "zeros", align_corners=False),
        "torch CPU": lambda: F.grid_sample(t_x, t_grid, mode="bilinear", padding_mode="zeros", align_corners=False)})]


def median_ms(function, repeats: int) -> float:
    """Median wall time of ``function()`` in milliseconds, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def time_cases(cases: list[Case], repeats: int) -> list[dict]:
    rows = []
    for case in cases:
        timings = {lib: median_ms(fn, repeats) for lib, fn in case.implementations.items()}
        ratio = timings["cvcourse"] / timings[case.reference]
        rows.append({"case": case, "ms": timings, "ratio": ratio, "met": ratio <= case.goal})
        print(f"  {case.name:<40} cvcourse {timings['cvcourse']:9.2f} ms   x{ratio:5.2f} {case.reference}",
              flush=True)
    return rows


def time_chapters() -> list[tuple[str, float]]:
    """Execute each solutions/ chapter in a fresh, offline kernel and time it."""
    import nbclient

    import chapters as chapter_tool
    import nbclient_fix

    nbclient_fix.install()

    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests" / "offline")}
    results = []
    for name in chapter_tool.chapter_names():
        notebook = chapter_tool.read_source(name)
        client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(ROOT)}})
        start = time.perf_counter()
        client.execute(env=env)
        results.append((name, time.perf_counter() - start))
        print(f"  {name:<24} {results[-1][1]:6.1f} s", flush=True)
    return results


def _fmt(ms):
    return "" if ms is None else f"{ms:.2f}" if ms < 100 else f"{ms:.0f}"


def markdown(rows, chapters, quick: bool) -> str:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(package)}"
        for name, package in [("NumPy", "numpy"), ("SciPy", "scipy"), ("scikit-image", "scikit-image"),
                              ("OpenCV", "opencv-python-headless"), ("PyTorch", "torch")]
        if _installed(package)
    )
    libraries = [lib for lib in LIBRARIES if any(lib in r["ms"] for r in rows)]
    lines = [
        f"Measured on {datetime.date.today().isoformat()}: {os.cpu_count()} CPU cores "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}, {versions}."
        + (" Quick mode: small inputs, few repeats; not for comparison." if quick else ""),
        "",
        "Median milliseconds over repeated runs after a warm-up; ratio = cvcourse / reference.",
        "",
        "| operation | input | " + " | ".join(libraries) + " | ratio | reference | goal |",
        "|---|---|" + "---:|" * len(libraries) + "---:|---|---|",
    ]
    for row in rows:
        case = row["case"]
        cells = [_fmt(row["ms"].get(lib)) for lib in libraries]
        verdict = "met" if row["met"] else "missed"
        lines.append(f"| {case.name} | {case.input} | " + " | ".join(cells)
                     + f" | {row['ratio']:.2f} | {case.reference} | {verdict} (<= {case.goal:g}x) |")
    if chapters:
        lines += ["", "Chapter execution, top to bottom in a fresh kernel, offline:", "",
                  "| chapter | seconds | budget | |", "|---|---:|---:|---|"]
        for name, seconds in chapters:
            verdict = "within" if seconds <= CHAPTER_BUDGET_S else "OVER"
            lines.append(f"| {name} | {seconds:.1f} | {CHAPTER_BUDGET_S:.0f} | {verdict} |")
    return "\n".join(lines) + "\n"


def _installed(package) -> bool:
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, 2 repeats, no chapters")
    parser.add_argument("--no-chapters", action="store_true", help="skip timing the chapters")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    size, repeats = (256, 2) if args.quick else (1024, 7)

    print(f"Operations ({size}x{size} images, {repeats} repeats):")
    from bench_motion import motion_cases  # here, not at the top: it imports this module

    rows = time_cases(image_cases(size) + conv_cases(args.quick) + conv_transpose_cases(args.quick)
                      + detection_cases(args.quick) + motion_cases(args.quick) + attention_cases(args.quick),
                      repeats)
    chapters = []
    if not (args.quick or args.no_chapters):
        print("Chapters:")
        chapters = time_chapters()
    text = markdown(rows, chapters, args.quick)
    args.output.write_text(text)
    print()
    print(text)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
