"""Assignment 05: the image generator has the properties the lecture and the tests rely on, the reference
solution agrees with the grader's oracle, the test cells' own checks name the mistakes they claim to, and the
graded findings' thresholds hold with margin over many seeds."""

import ast
import contextlib
import io
import re
from itertools import pairwise

import numpy as np
import pytest

from answer_key.oracles import bias as oracle
from answer_key.oracles import images as ref
from rnncourse import images as data
from tests.notebook_cells import code_cells, run_cells
from tests.notebooks import REPO, namespace

SOLUTION = REPO / "solutions" / "05_bias" / "05_bias.ipynb"


@pytest.fixture(scope="module")
def sol():
    with contextlib.redirect_stdout(io.StringIO()):  # the notebook's prints and progress bars are not the report
        return namespace(SOLUTION, skip=("look_at_data", "numpy_experiment", "torch_experiment"))


@pytest.fixture(scope="module")
def checks():
    """The reference notebook with its test cells up to part 6 run (so they pass on the reference, against the
    frozen values), for the property checks those cells define: check_dataset, check_swap, check_augmentation."""
    cells = [where for where, _, _ in code_cells(SOLUTION)]
    later = tuple(cells[cells.index("test_predict") + 1:])          # the experiments and the torch track
    with contextlib.redirect_stdout(io.StringIO()):
        return run_cells(SOLUTION, include_tests=True, skip=("look_at_data",) + later)


# ---- the generator ------------------------------------------------------------------------------------------


def test_dataset_layout_range_and_types():
    images, labels, backgrounds, masks = ref.make_dataset(300, 0.9, seed=0)
    assert images.shape == (300, 3, data.SIZE, data.SIZE) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert labels.shape == backgrounds.shape == (300,) and labels.dtype == backgrounds.dtype == np.int64
    assert masks.shape == (300, data.SIZE, data.SIZE) and masks.dtype == bool
    assert set(np.unique(labels)) == {0, 1} and set(np.unique(backgrounds)) == {0, 1}


def test_dataset_is_a_function_of_its_seed():
    first, again, other = (ref.make_dataset(50, 0.9, seed=s) for s in (3, 3, 4))
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("p", [0.0, 0.5, 0.9, 0.95, 1.0])
def test_background_agrees_with_the_label_at_rate_p(p):
    _, labels, backgrounds, _ = ref.make_dataset(20000, p, seed=1)
    assert abs(np.mean(backgrounds == labels) - p) <= 4 * np.sqrt(p * (1 - p) / 20000) + 1e-12
    assert abs(np.mean(labels) - 0.5) < 0.02


def test_class_and_background_can_be_read_back_exactly():
    """object_class and background_kind, which the tests use, are right on every one of 20000 images."""
    images, labels, backgrounds, masks = ref.make_dataset(20000, 0.5, seed=2)
    assert np.array_equal(data.object_class(masks), labels)
    assert np.array_equal(data.background_kind(images, masks), backgrounds)
    area = masks.mean(axis=(1, 2))
    assert area.min() > 0.03 and area.max() < 0.25, "an object covers a small part of the image, never none"


def test_object_pixels_come_from_the_object_and_the_rest_from_the_background():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 100)
    objects, masks = data.draw_objects(labels, rng)
    backgrounds = data.draw_backgrounds(1 - labels, rng)
    images = ref.compose(objects, masks, backgrounds)
    inside = np.broadcast_to(masks[:, None], images.shape)
    assert np.array_equal(images[inside], objects[inside]) and np.array_equal(images[~inside], backgrounds[~inside])
    # the object is red to yellow on every pixel, unlike both background colours
    assert objects[:, 0][masks].min() > 0.6 and (objects[:, 0] > objects[:, 2]).all()


def test_swap_and_augmentation_keep_every_object_pixel_and_decorrelate_the_background(checks):
    images, labels, backgrounds, masks = ref.make_dataset(4000, 1.0, seed=4)
    rng = np.random.default_rng(5)
    swapped = ref.swap_background(images, masks, data.draw_backgrounds(1 - backgrounds, rng))
    checks["check_swap"](swapped, images, masks, data.draw_backgrounds(1 - backgrounds, np.random.default_rng(5)),
                         "swap")
    assert np.array_equal(data.background_kind(swapped, masks), 1 - backgrounds)
    augmented = ref.augment_backgrounds(images, masks, rng)
    checks["check_augmentation"](augmented, images, labels, masks, "augment")


# ---- the reference solution against the oracle and the library ---------------------------------------------


def test_solution_data_swap_and_augmentation_equal_the_reference(sol):
    for n, p, seed in [(500, 0.95, 0), (300, 0.5, 1), (1, 0.0, 2)]:
        for got, want in zip(sol["make_dataset"](n, p, seed), ref.make_dataset(n, p, seed), strict=True):
            assert got.dtype == want.dtype and np.array_equal(got, want)
    images, labels, backgrounds, masks = ref.make_dataset(200, 0.9, seed=3)
    new = data.draw_backgrounds(1 - backgrounds, np.random.default_rng(4))
    assert np.array_equal(sol["swap_background"](images, masks, new), ref.swap_background(images, masks, new))
    assert np.array_equal(sol["augment_backgrounds"](images, masks, np.random.default_rng(5)),
                          ref.augment_backgrounds(images, masks, np.random.default_rng(5)))


def test_solution_metrics_agree_with_the_oracle(sol):
    rng = np.random.default_rng(6)
    for _ in range(50):
        n, classes = int(rng.integers(1, 60)), int(rng.integers(1, 4))
        labels, backgrounds = rng.integers(0, classes, n), rng.integers(0, 2, n)
        predictions = np.where(rng.random(n) < 0.6, labels, rng.integers(0, classes, n))
        want = oracle.group_accuracy(predictions, labels, backgrounds)
        got = sol["group_accuracy"](predictions, labels, backgrounds)
        assert got.keys() == want.keys() and all(abs(got[k] - want[k]) < 1e-12 for k in want)
        assert sol["worst_group_accuracy"](predictions, labels, backgrounds) == \
            oracle.worst_group_accuracy(predictions, labels, backgrounds)
        codes = rng.random((2, n))
        images, counterfactuals = codes[0][:, None], codes[1][:, None]

        def model(x):
            return (x[:, 0] > 0.5).astype(int)

        assert sol["flip_rate"](model, images, counterfactuals) == oracle.flip_rate(model, images, counterfactuals)


def test_solution_logistic_regression_agrees_with_the_oracle(sol):
    rng = np.random.default_rng(7)
    for n, d, kwargs in [(6, 2, {}), (50, 9, {"lr": 1.0, "steps": 40, "weight_decay": 0.05}),
                         (120, 4, {"lr": 0.05, "steps": 500, "weight_decay": 0.0})]:
        X = rng.normal(size=(n, d))
        y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
        w, b = sol["train_logistic_regression"](X, y, **kwargs)
        w_ref, b_ref = oracle.train_logistic_regression(X, y, **kwargs)
        np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-12)
        assert abs(b - b_ref) < 1e-12
        assert np.array_equal(sol["predict"]((w, b), X), oracle.predict((w, b), X))


def test_gradient_descent_really_minimises_the_regularised_loss():
    """The oracle's update is the gradient of mean cross-entropy + weight_decay / 2 |w|^2 (finite differences)."""
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 2, 30)
    lr, weight_decay = 0.5, 0.1

    def loss(w, b):
        z = X @ w + b
        return np.mean(np.logaddexp(0, z) - y * z) + weight_decay / 2 * w @ w

    def numeric_gradient(w, b, eps=1e-6):
        return ([(loss(w + eps * e, b) - loss(w - eps * e, b)) / (2 * eps) for e in np.eye(3)],
                (loss(w, b + eps) - loss(w, b - eps)) / (2 * eps))

    # the oracle starts from zeros: its first step is minus lr times the gradient there; its second, taken from
    # where the first ended (w != 0, so weight decay counts), minus lr times the gradient at that point
    steps = [(np.zeros(3), 0.0)] + [oracle.train_logistic_regression(X, y, lr=lr, steps=k, weight_decay=weight_decay)
                                    for k in (1, 2)]
    for (w, b), (w_next, b_next) in pairwise(steps):
        numeric_w, numeric_b = numeric_gradient(w, b)
        np.testing.assert_allclose((w - w_next) / lr, numeric_w, rtol=1e-7, atol=1e-9)
        assert abs((b - b_next) / lr - numeric_b) < 1e-9
    assert weight_decay * np.abs(steps[1][0]).max() > 1e-3, "the second step must start where weight decay counts"


def test_solution_small_cnn_equals_the_functional_oracle(sol):
    """SmallCNN's logits, with weights set by their shapes (as the test cell does), equal the oracle's functional
    network; each catalogued architecture mistake gives other logits on the same input."""
    import torch

    gen = torch.Generator().manual_seed(3)
    for in_channels, classes in [(3, 2), (1, 3)]:
        model = sol["SmallCNN"](in_channels=in_channels, num_classes=classes)
        weights = {tuple(p.shape): (torch.randn(p.shape, generator=gen) * 0.3).numpy() for p in model.parameters()}
        assert len(weights) == 6, "the six parameters have six different shapes"
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.as_tensor(weights[tuple(p.shape)]))
            images = torch.rand(5, in_channels, data.SIZE, data.SIZE, generator=gen)
            got = model(images).numpy()
        np.testing.assert_allclose(got, oracle.small_cnn_logits(weights, images.numpy()), atol=1e-6, rtol=1e-6)
        mistakes = oracle.small_cnn_mistakes(weights, images.numpy())
        assert len(mistakes) == 4, sorted(mistakes)
        for description, wrong in mistakes.items():
            assert np.abs(wrong - got).max() > 1e-3, description


def test_solution_train_classifier_equals_the_oracle_on_a_linear_model(sol):
    """train_classifier on a linear model of flattened images: losses and weights as the oracle's, for batch sizes
    that do and do not divide N; each catalogued training mistake changes what the test cell freezes."""
    import torch

    rng = np.random.default_rng(4)
    images, labels = rng.normal(size=(130, 1, 2, 2)).astype(np.float32), rng.integers(0, 3, 130)
    for n, kwargs in [(130, {"lr": 0.05}), (10, {"lr": 0.1, "batch_size": 4, "seed": 3}),
                      (64, {"lr": 0.05, "seed": 5})]:
        torch.manual_seed(n)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        weight, bias = model[1].weight.detach().numpy().copy(), model[1].bias.detach().numpy().copy()
        with contextlib.redirect_stdout(io.StringIO()):
            losses = sol["train_classifier"](model, images[:n], labels[:n], torch.device("cpu"), epochs=2, **kwargs)
        want = oracle.train_linear_classifier(weight, bias, images[:n], labels[:n], 2, **kwargs)
        np.testing.assert_allclose(losses, want[0], atol=1e-6, rtol=1e-6)
        np.testing.assert_allclose(model[1].weight.detach().numpy(), want[1], atol=1e-6, rtol=1e-6)
        np.testing.assert_allclose(model[1].bias.detach().numpy(), want[2], atol=1e-6, rtol=1e-6)
        assert all(type(v) is float for v in losses)
    found = oracle.train_classifier_mistakes(weight, bias, images[:130], labels[:130], 2, 0.05, 64, 0, part=0)
    assert len(found) == 8, sorted(found)          # every catalogued mistake changes the losses of 130 examples
    for part in (1, 2):
        assert len(oracle.train_classifier_mistakes(weight, bias, images[:130], labels[:130], 2, 0.05, 64, 0,
                                                    part=part)) >= 5


# ---- the test cells' property checks name the mistakes ------------------------------------------------------


def _fails_with(check, *args, text):
    with pytest.raises(AssertionError) as info:
        check(*args)
    assert text in str(info.value), str(info.value)


def test_check_dataset_accepts_the_reference_and_names_each_broken_variant(checks):
    check_dataset = checks["check_dataset"]
    images, labels, backgrounds, masks = ref.make_dataset(4000, 0.9, seed=9)
    check_dataset((images, labels, backgrounds, masks), 4000, 0.9, "reference")
    _fails_with(check_dataset, (images.transpose(0, 2, 3, 1), labels, backgrounds, masks), 4000, 0.9, "x",
                text="channels last")
    _fails_with(check_dataset, (images * 255, labels, backgrounds, masks), 4000, 0.9, "x", text="0..255")
    _fails_with(check_dataset, (images, labels, backgrounds, ~masks), 4000, 0.9, "x", text="masks are inverted")
    _fails_with(check_dataset, (images, labels, 1 - backgrounds, masks), 4000, 0.9, "x",
                text="are not the ones in the images")
    for text in ["drawn at random", "the wrong way round", "independently of the label"]:
        rng = np.random.default_rng(10)
        labels = rng.integers(0, 2, 4000)
        if text == "drawn at random":
            kinds = np.where(rng.random(4000) < 0.9, labels, rng.integers(0, 2, 4000))
        elif text == "the wrong way round":
            kinds = np.where(rng.random(4000) < 0.9, 1 - labels, labels)
        else:
            kinds = rng.integers(0, 2, 4000)
        objects, masks = data.draw_objects(labels, rng)
        images = ref.compose(objects, masks, data.draw_backgrounds(kinds, rng))
        _fails_with(check_dataset, (images, labels, kinds, masks), 4000, 0.9, "x", text=text)


def test_check_dataset_names_unpainted_blended_and_class_dependent_data(checks):
    """The audit's clauses: the object pixels are the object's, and the agreement is p within each class."""
    check_dataset = checks["check_dataset"]
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, 4000)
    kinds = np.where(rng.random(4000) < 0.9, labels, 1 - labels)
    objects, masks = data.draw_objects(labels, rng)
    backgrounds = data.draw_backgrounds(kinds, rng)
    _fails_with(check_dataset, (backgrounds, labels, kinds, masks), 4000, 0.9, "x", text="never painted in")
    blend = ref.compose((0.5 * objects + 0.5 * backgrounds).astype(np.float32), masks, backgrounds)
    _fails_with(check_dataset, (blend, labels, kinds, masks), 4000, 0.9, "x", text="a mix of the object")
    u = rng.random(4000)
    labels = (u < 0.5).astype(np.int64)
    kinds = np.where(u < 0.9, labels, 1 - labels)
    objects, masks = data.draw_objects(labels, rng)
    images = ref.compose(objects, masks, data.draw_backgrounds(kinds, rng))
    _fails_with(check_dataset, (images, labels, kinds, masks), 4000, 0.9, "x", text="the same random numbers")


def test_checks_of_the_swap_and_the_augmentation_name_the_mistakes(checks):
    check_swap, check_augmentation = checks["check_swap"], checks["check_augmentation"]
    images, labels, backgrounds, masks = ref.make_dataset(2000, 1.0, seed=11)
    new = data.draw_backgrounds(1 - backgrounds, np.random.default_rng(12))
    _fails_with(check_swap, 0.9 * images + 0.1 * new, images, masks, new, "x", text="also alters the foreground")
    _fails_with(check_swap, ref.compose(new, masks, images), images, masks, new, "x",
                text="the wrong way round")
    _fails_with(check_swap, images.copy(), images, masks, new, "x", text="not replaced")
    same_kind = ref.swap_background(images, masks, data.draw_backgrounds(backgrounds, np.random.default_rng(13)))
    _fails_with(check_augmentation, same_kind, images, labels, masks, "x", text="leaks the label")
    _fails_with(check_augmentation, images.copy(), images, labels, masks, "x", text="did not replace")


def test_each_catalogued_metric_mistake_really_differs():
    predictions = np.array([0, 0, 1, 0, 1, 1, 1, 0, 1, 1])
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0])
    backgrounds = np.array([0, 0, 0, 1, 1, 1, 0, 1, 1, 1])
    right = oracle.group_accuracy(predictions, labels, backgrounds)
    catalogued = {}
    catalogued["group_accuracy"] = oracle.group_accuracy_mistakes(predictions, labels, backgrounds)
    for description, wrong in catalogued["group_accuracy"].items():
        assert any(abs(wrong.get(k, -1) - v) > 1e-3 for k, v in right.items()), description
    worst = oracle.worst_group_accuracy(predictions, labels, backgrounds)
    catalogued["worst_group_accuracy"] = oracle.worst_group_accuracy_mistakes(predictions, labels, backgrounds)
    for description, wrong in catalogued["worst_group_accuracy"].items():
        assert abs(wrong - worst) > 1e-3, description
    gen = np.random.default_rng(12)
    images, masks, new = gen.random((3, 3, 4, 4)), gen.random((3, 4, 4)) < 0.4, gen.random((3, 3, 4, 4))
    swapped = ref.swap_background(images, masks, new)
    catalogued["swap_background"] = oracle.swap_background_mistakes(images, masks, new)
    for description, wrong in catalogued["swap_background"].items():
        assert not np.array_equal(wrong, swapped), description
    X, y = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, -1.0], [-1.0, 0.0]]), np.array([0, 1, 1, 0])
    w, b = oracle.train_logistic_regression(X, y, lr=0.5, steps=50, weight_decay=0.1)
    catalogued["train_logistic_regression"] = oracle.train_logistic_regression_mistakes(X, y, 0.5, 50, 0.1)
    assert all(catalogued.values()), f"no catalogued mistakes for {[k for k, v in catalogued.items() if not v]}"
    for description, (w_wrong, b_wrong) in catalogued["train_logistic_regression"].items():
        assert np.abs(w_wrong - w).max() > 1e-3 or abs(b_wrong - b) > 1e-3, description


# ---- the graded findings ------------------------------------------------------------------------------------

# The thresholds the graded tests use (solutions/05_bias, parts 7 and 9):
# (biased flip rate at least, biased worst group at most, augmented flip rate at most, augmented worst group at least)
THRESHOLDS = {"linear": (0.5, 0.3, 0.2, 0.75), "cnn": (0.4, 0.5, 0.2, 0.7)}

# The reference solution's experiment(seed, ...) measured on this project's 2-core CPU machine (torch 2.13, CPU):
# seed: (linear: biased flip, biased worst, augmented flip, augmented worst,
#        SmallCNN: biased flip, biased worst, augmented flip, augmented worst)
MEASURED = {
    0: (0.897, 0.000, 0.040, 0.940, 1.000, 0.000, 0.000, 1.000),
    1: (0.843, 0.019, 0.028, 0.947, 0.977, 0.000, 0.035, 0.938),
    2: (0.732, 0.008, 0.042, 0.924, 0.636, 0.012, 0.013, 0.960),
    3: (0.839, 0.000, 0.041, 0.931, 0.945, 0.000, 0.010, 0.977),
    4: (0.845, 0.026, 0.026, 0.927, 1.000, 0.000, 0.003, 0.992),
    5: (0.826, 0.030, 0.030, 0.929, 0.830, 0.000, 0.003, 0.992),
    6: (0.844, 0.000, 0.031, 0.938, 0.941, 0.000, 0.004, 0.988),
    7: (0.814, 0.030, 0.027, 0.941, 1.000, 0.000, 0.000, 0.991),
    8: (0.841, 0.004, 0.048, 0.920, 0.759, 0.145, 0.024, 0.958),
    9: (0.893, 0.000, 0.024, 0.944, 0.999, 0.000, 0.006, 0.996),
    10: (0.798, 0.034, 0.033, 0.932, 0.996, 0.000, 0.026, 0.942),
    11: (0.949, 0.000, 0.032, 0.925, 1.000, 0.000, 0.051, 0.905),
    12: (0.870, 0.033, 0.039, 0.938, 1.000, 0.000, 0.080, 0.884),
    13: (0.926, 0.000, 0.034, 0.907, 1.000, 0.000, 0.006, 0.988),
    14: (0.882, 0.000, 0.030, 0.932, 1.000, 0.000, 0.006, 0.992),
    15: (0.826, 0.011, 0.032, 0.935, 0.999, 0.000, 0.009, 0.982),
    16: (0.788, 0.004, 0.027, 0.953, 0.828, 0.000, 0.029, 0.933),
    17: (0.823, 0.018, 0.026, 0.936, 1.000, 0.000, 0.019, 0.945),
    18: (0.825, 0.033, 0.033, 0.918, 1.000, 0.000, 0.019, 0.959),
    19: (0.856, 0.021, 0.034, 0.929, 0.688, 0.198, 0.024, 0.950),
}
# Every seed clears every threshold by at least MARGIN, so that an alternative correct solution (which draws other
# images: another seed, in effect) passes as reliably as the reference. The closest calls over the 20 seeds:
# linear: augmented flip rate 0.048 (seed 8) against 0.2, augmented worst group 0.907 (seed 13) against 0.75;
# CNN: augmented flip rate 0.080 (seed 12) against 0.2, biased flip rate 0.636 (seed 2) against 0.4,
# augmented worst group 0.884 (seed 12) against 0.7, biased worst group 0.198 (seed 19) against 0.5.
MARGIN = 0.1
TESTED_SEEDS = 4  # the suite checks these; `make bench ONLY=calibration` re-measures all 20 against MEASURED


def _measure(sol, seed, model):
    with contextlib.redirect_stdout(io.StringIO()):
        result = sol["experiment"](seed, sol["train_linear" if model == "linear" else "train_cnn"])
    return [result[k][m] for k in ("biased", "augmented") for m in ("flip_rate", "worst_group")]


@pytest.mark.parametrize("seed", range(TESTED_SEEDS))
@pytest.mark.parametrize("model", ["linear", "cnn"])
def test_findings_hold_with_margin(sol, seed, model):
    got = _measure(sol, seed, model)
    recorded = MEASURED[seed][:4] if model == "linear" else MEASURED[seed][4:]
    # the linear model is float64 gradient descent: it reproduces to the printed digits; the CNN's float32 training
    # may round differently on another CPU, which moves a few borderline predictions
    tolerance = 0.0015 if model == "linear" else 0.05
    assert np.abs(np.array(got) - recorded).max() <= tolerance, \
        f"seed {seed} {model}: measured {np.round(got, 3)}, recorded {recorded}"
    flip_b, worst_b, flip_a, worst_a = got
    min_flip_b, max_worst_b, max_flip_a, min_worst_a = THRESHOLDS[model]
    assert flip_b >= min_flip_b + MARGIN, f"biased flip rate {flip_b:.3f}"
    assert worst_b <= max_worst_b - MARGIN, f"biased worst group {worst_b:.3f}"
    assert flip_a <= max_flip_a - MARGIN, f"augmented flip rate {flip_a:.3f}"
    assert worst_a >= min_worst_a + MARGIN, f"augmented worst group {worst_a:.3f}"


def test_an_unmitigated_model_fails_the_mitigation_thresholds(sol):
    """Trained without augmentation, the models miss the thresholds the mitigation tests ask for, by far."""
    for model in ("linear", "cnn"):
        flip_b, worst_b, _, _ = _measure(sol, 1, model)
        _, _, max_flip_a, min_worst_a = THRESHOLDS[model]
        assert flip_b > max_flip_a + 0.4 and worst_b < min_worst_a - 0.4, (model, flip_b, worst_b)


# the graded cells that judge the findings, per model: (biased training, augmented training)
FINDING_CELLS = {"linear": ("test_train_logistic_regression_shortcut", "test_augment_backgrounds_mitigation"),
                 "cnn": ("test_train_classifier_findings", "test_train_classifier_findings")}
# results every check accepts whatever its thresholds: a model that follows the background, one that ignores it
_CLEAR = {"biased": {"flip_rate": 1.0, "worst_group": 0.0}, "augmented": {"flip_rate": 0.0, "worst_group": 1.0}}


def _finding_checks():
    """The check functions the graded finding cells define (check_shortcut, check_mitigated, check_cnn): their
    def statements, taken from the solution notebook by ast and run as they are, nothing else of the cells."""
    from rnncourse.checks import plain

    sources = {where: source for where, source, _ in code_cells(SOLUTION)}
    scope = {"plain": plain}
    for cell in sorted({c for pair in FINDING_CELLS.values() for c in pair}):
        defs = [node for node in ast.parse(sources[cell]).body if isinstance(node, ast.FunctionDef)]
        assert defs, f"{cell} defines no check function"
        exec(compile(ast.Module(body=defs, type_ignores=[]), f"{SOLUTION.name}:{cell}", "exec"), scope)
    return scope


def _refusal(checks, model, phase, result):
    """None if the notebook's check of `phase` ("biased" or "augmented") accepts `result`, else its message."""
    try:
        if model == "cnn":
            checks["check_cnn"](dict(_CLEAR, **{phase: result}), "probe")
        elif phase == "biased":
            checks["check_shortcut"](result, "probe")
        else:
            checks["check_mitigated"](result, "probe")
    except AssertionError as exc:
        return str(exc)
    return None


def _last_accepted(accepts, inside, outside):
    """The accepted value next to the boundary between inside (accepted) and outside (refused), by bisection
    down to adjacent floats."""
    assert accepts(inside) and not accepts(outside), (inside, outside)
    while (mid := (inside + outside) / 2) not in (inside, outside):
        inside, outside = (mid, outside) if accepts(mid) else (inside, mid)
    return inside


def test_the_notebook_tests_the_thresholds_stated_here():
    """THRESHOLDS are the values the graded cells' own checks apply, found by running those checks: each bound is
    inclusive (the value itself passes, as the docstrings' >= and <= say), and a refusal states it."""
    checks = _finding_checks()
    # (phase, quantity, a value the check accepts, one it refuses), in the order of THRESHOLDS' entries
    probes = [("biased", "flip_rate", 1.0, 0.0), ("biased", "worst_group", 0.0, 1.0),
              ("augmented", "flip_rate", 0.0, 1.0), ("augmented", "worst_group", 1.0, 0.0)]
    for model, stated in THRESHOLDS.items():
        for (phase, quantity, inside, outside), threshold in zip(probes, stated, strict=True):
            def refusal(value, model=model, phase=phase, quantity=quantity):
                return _refusal(checks, model, phase, dict(_CLEAR[phase], **{quantity: float(value)}))

            found = _last_accepted(lambda v, refusal=refusal: refusal(v) is None, inside, outside)
            assert found == threshold, (f"{model}, {phase} {quantity}: the notebook's check applies {found!r}, "
                                        f"THRESHOLDS states {threshold!r}")
            message = refusal(np.nextafter(found, outside))
            stated_number = rf"(?<![\d.]){re.escape(f'{threshold:g}')}(?!\d)"     # 0.4, not 0.45 nor 0.400
            assert re.search(stated_number, message), (f"{model}, {phase} {quantity}: the refusal does not state "
                                                       f"{threshold:g}: {message}")
