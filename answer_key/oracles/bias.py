"""Assignment 05 (bias probing): reference answers, known mistakes, and the checks its tests call.

The data set, the swap and the augmentation are the course library's
(rnncourse.images). The metrics and the logistic regression are written here
again, with loops where the solution vectorises. The check_* functions pass
silently or raise CheckFailure with a message that names the likely mistake.
"""

import numpy as np

from rnncourse import images as data
from rnncourse.checks import CheckFailure, check_close, check_equal, check_shape, check_type

# ---- the data set -----------------------------------------------------------


def agreement_tolerance(p, n):
    """How far a data set's background/label agreement may stray from p: 4.5 binomial standard deviations."""
    return 4.5 * np.sqrt(p * (1 - p) / n) + 1e-9


def correlation_mistakes(p):
    """The agreement rate between background and label that each known mistake produces."""
    return {
        "when the background is not tied to the label it is drawn at random, so it still matches half the time "
        "(agreement p + (1 - p) / 2): draw the other kind, 1 - label": p + (1 - p) / 2,
        "p is used the wrong way round: p_spurious is the probability that the background EQUALS the label": 1 - p,
        "the background is drawn independently of the label": 0.5,
    }


def check_dataset(result, n, p, name):
    """Everything make_dataset(n, p, seed) must satisfy, in the order that gives the clearest message."""
    check_type(result, tuple, name + " (it returns (images, labels, backgrounds, masks))")
    check_equal(len(result), 4, f"the number of arrays {name} returns (images, labels, backgrounds, masks)")
    images, labels, backgrounds, masks = result
    size = data.SIZE
    check_shape(images, (n, data.CHANNELS, size, size), f"the images array from {name}", mistakes={
        "the layout is channels last (N, H, W, C): use channels first (N, C, H, W), as torch does":
            (n, size, size, data.CHANNELS),
        "the channel axis is missing": (n, size, size)})
    check_equal(str(np.asarray(images).dtype), "float32", f"the dtype of the images from {name}",
                hint="convert with images.astype(np.float32)")
    low, high = float(np.min(images)), float(np.max(images))
    if low < 0.0 or high > 1.0:
        likely = ("pixel values look like 0..255: keep them in [0, 1]" if high > 2.0 else
                  "the object was added on top of the background instead of replacing it: "
                  "use the object's pixels where the mask is True and the background's elsewhere")
        raise CheckFailure(f"images from {name} are outside [0, 1]: min {low:.3f}, max {high:.3f}.\n"
                           f"  Likely mistake: {likely}")
    for what, values in [("labels", labels), ("backgrounds", backgrounds)]:
        check_shape(values, (n,), f"the {what} array from {name}")
        if not np.isin(np.asarray(values), [0, 1]).all():
            raise CheckFailure(f"{what} from {name} should be 0 or 1, got values {np.unique(values)[:10]}")
    check_shape(masks, (n, size, size), f"the masks array from {name}",
                mistakes={"the mask has a channel axis: keep one mask per image, (N, H, W)": (n, 1, size, size)})
    check_equal(str(np.asarray(masks).dtype), "bool", f"the dtype of the masks from {name}")
    labels, backgrounds, masks = np.asarray(labels), np.asarray(backgrounds), np.asarray(masks)
    covered = float(masks.mean())
    if covered > 0.5:
        raise CheckFailure(f"masks from {name} are True on {covered:.0%} of the pixels, but an object covers "
                           "about 12% of an image.\n  Likely mistake: the masks are inverted: True must mark the "
                           "object (the foreground), False the background")
    shown = data.object_class(masks)
    if not np.array_equal(shown, labels):
        raise CheckFailure(f"the masks from {name} do not show the labelled objects: {np.mean(shown != labels):.0%} "
                           "of them have the other shape.\n  Hint: draw the objects with draw_objects(labels, rng)")
    drawn = data.background_kind(images, masks)
    if not np.array_equal(drawn, backgrounds):
        raise CheckFailure(f"the backgrounds returned by {name} are not the ones in the images: "
                           f"{np.mean(drawn != backgrounds):.0%} of the images show the other kind.\n"
                           "  Hint: return the kinds you passed to draw_backgrounds")
    rate = float(np.mean(backgrounds == labels))
    check_close(rate, p, f"the fraction of images whose background kind equals the label, for p_spurious={p}",
                atol=agreement_tolerance(p, n), rtol=0, mistakes=correlation_mistakes(p))
    check_close(float(np.mean(labels)), 0.5, f"the fraction of class 1 in {name}", atol=agreement_tolerance(0.5, n),
                rtol=0, hint="draw each label as 0 or 1 with equal probability")


# ---- the swap and the augmentation -----------------------------------------


def check_swap(got, images, masks, new_backgrounds, name):
    """The counterfactual keeps every object pixel exactly and takes every other pixel from new_backgrounds."""
    check_shape(got, np.shape(images), name)
    got = np.asarray(got)
    inside = np.broadcast_to(np.asarray(masks)[:, None], got.shape)
    changed = int(np.sum(got[inside] != np.asarray(images)[inside]))
    if changed:
        inverted = data.compose(new_backgrounds, masks, images)
        likely = ("the mask is used the wrong way round: object pixels must come from the image, the rest from the "
                  "new background" if np.array_equal(got, inverted) else
                  "the swap also alters the foreground: copy the object pixels (mask True) unchanged, "
                  "e.g. with np.where")
        raise CheckFailure(f"{name} changed {changed} of {int(inside.sum())} object pixels (mask True); "
                           f"they must stay exactly as they were.\n  Likely mistake: {likely}")
    outside = ~inside
    wrong = int(np.sum(got[outside] != np.broadcast_to(new_backgrounds, got.shape)[outside]))
    if wrong:
        likely = ("the background was not replaced: the counterfactual is the original image"
                  if np.array_equal(got, images) else "take every pixel outside the mask from new_backgrounds")
        raise CheckFailure(f"{name}: {wrong} of {int(outside.sum())} background pixels (mask False) are not the "
                           f"new background's.\n  Likely mistake: {likely}")


def check_augmentation(got, images, labels, masks, name):
    """augment_backgrounds on a data set with p = 1: object kept, a new background whose kind ignores the label."""
    check_shape(got, np.shape(images), name)
    check_equal(str(np.asarray(got).dtype), "float32", f"the dtype of the result of {name}",
                hint="keep the images float32")
    got = np.asarray(got)
    inside = np.broadcast_to(np.asarray(masks)[:, None], got.shape)
    changed = int(np.sum(got[inside] != np.asarray(images)[inside]))
    if changed:
        raise CheckFailure(f"{name} changed {changed} object pixels (mask True).\n  Likely mistake: the augmentation "
                           "also alters the foreground: only the background may change")
    kept = np.all((got == images) | inside, axis=(1, 2, 3))
    if kept.mean() > 0.01:
        raise CheckFailure(f"{name}: {kept.mean():.0%} of the images keep their old background pixel for pixel.\n"
                           "  Likely mistake: the background was not replaced: give every image a freshly drawn one")
    kinds = data.background_kind(got, masks)
    rate = float(np.mean(kinds == labels))
    n = len(labels)
    tolerance = agreement_tolerance(0.5, n)
    if abs(rate - 0.5) > tolerance:
        if rate > 0.9:
            likely = ("the augmentation leaks the label into the background: the new background still follows the "
                      "old one (or the object), so it still predicts the class. Draw each new kind at random, "
                      "independently of the image")
        elif rate < 0.1:
            likely = ("the augmentation leaks the label into the background: the new kind is always the other one, "
                      "so it still predicts the class (reversed). Draw each new kind at random")
        else:
            likely = "draw each new kind as 0 or 1 with equal probability, independently of the image"
        raise CheckFailure(f"{name}: on a data set whose background always equals the label (p_spurious=1), the new "
                           f"background kind equals the label for {rate:.3f} of the images; expected 0.5 "
                           f"(within {tolerance:.3f}).\n  Likely mistake: {likely}")


# ---- the metrics ------------------------------------------------------------


def flip_rate(predict, images, counterfactuals):
    before, after = np.asarray(predict(images)), np.asarray(predict(counterfactuals))
    flips = 0
    for a, b in zip(before, after, strict=True):
        flips += int(a != b)
    return flips / len(before)


def flip_rate_mistakes(predict, images, counterfactuals):
    rate = flip_rate(predict, images, counterfactuals)
    return {
        "the flip rate counts agreements: it is the fraction of predictions that CHANGE (use !=)": 1.0 - rate,
        "the number of flips was returned: divide by the number of images": rate * len(images),
    }


def group_accuracy(predictions, labels, backgrounds):
    groups = {}
    for pred, label, background in zip(predictions, labels, backgrounds, strict=True):
        key = (int(label), int(background))
        correct, total = groups.get(key, (0, 0))
        groups[key] = (correct + int(pred == label), total + 1)
    return {key: correct / total for key, (correct, total) in groups.items()}


def group_accuracy_mistakes(predictions, labels, backgrounds):
    predictions, labels, backgrounds = np.asarray(predictions), np.asarray(labels), np.asarray(backgrounds)
    n = len(labels)
    right = group_accuracy(predictions, labels, backgrounds)
    overall = float(np.mean(predictions == labels))
    per_all = {k: float(np.sum((predictions == labels) & (labels == k[0]) & (backgrounds == k[1]))) / n
               for k in right}
    return {
        "the group accuracy is averaged over all examples instead of per group: divide each group's correct "
        "predictions by the size of that group": per_all,
        "every group got the overall accuracy: compute the accuracy within each group": {k: overall for k in right},
        "the keys are (background, label): use (label, background)": {(k[1], k[0]): v for k, v in right.items()},
    }


def _groups_as_vector(groups, keys):
    return np.array([groups.get(k, np.nan) for k in keys], dtype=np.float64)


def _normalise_keys(groups):
    return {tuple(int(v) for v in key): float(value) for key, value in groups.items()}


def check_group_accuracy(got, predictions, labels, backgrounds, name):
    """got must be {(label, background): accuracy} for every group present, to 1e-12."""
    check_type(got, dict, name)
    want = group_accuracy(predictions, labels, backgrounds)
    try:
        got = _normalise_keys(got)
    except (TypeError, ValueError) as exc:
        raise CheckFailure(f"{name}: the keys should be (label, background) pairs of ints, got "
                           f"{list(got)[:4]}") from exc
    keys = sorted(want)
    check_equal(sorted(got), keys, f"the groups (keys) of {name}",
                hint="one key (label, background) for each combination that occurs in the data, and no others")
    mistakes = {d: _groups_as_vector(m, keys)
                for d, m in group_accuracy_mistakes(predictions, labels, backgrounds).items()}
    check_close(_groups_as_vector(got, keys), _groups_as_vector(want, keys),
                f"{name}, accuracies of the groups {keys}", atol=1e-12, rtol=0, mistakes=mistakes)


def worst_group_accuracy(predictions, labels, backgrounds):
    return min(group_accuracy(predictions, labels, backgrounds).values())


def worst_group_accuracy_mistakes(predictions, labels, backgrounds):
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    groups = group_accuracy(predictions, labels, backgrounds)
    per_class = [float(np.mean(predictions[labels == c] == c)) for c in np.unique(labels)]
    return {
        "the worst group was taken as the best (max instead of min)": max(groups.values()),
        "the overall accuracy was returned, not the accuracy of the worst group": float(np.mean(predictions == labels)),
        "the worst class was taken, over both backgrounds: take the worst (label, background) group": min(per_class),
    }


# ---- the numpy classifier ---------------------------------------------------


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3, *, mean=True, decay_bias=False,
                              decay=True, sign=1.0):
    """Full-batch gradient descent from zeros on mean cross-entropy + weight_decay / 2 * |w|^2.

    The keyword-only flags switch on the known mistakes, for diagnosis.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n, d = X.shape
    w, b = np.zeros(d), 0.0
    scale = 1.0 / n if mean else 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            error = _sigmoid(X @ w + b) - y
            grad_w = X.T @ error * scale + (weight_decay * w if decay else 0.0)
            grad_b = error.sum() * scale + (weight_decay * b if decay_bias else 0.0)
            w = w - sign * lr * grad_w
            b = b - sign * lr * grad_b
    return w, float(b)


def train_logistic_regression_mistakes(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    """{description: (w, b)} for each known mistake."""
    return {
        "the gradient is summed over the examples instead of averaged (divide by N)":
            train_logistic_regression(X, y, lr, steps, weight_decay, mean=False),
        "weight decay is also applied to the bias b (decay w only)":
            train_logistic_regression(X, y, lr, steps, weight_decay, decay_bias=True),
        "weight decay is missing: add weight_decay * w to the gradient of w":
            train_logistic_regression(X, y, lr, steps, weight_decay, decay=False),
        "the update goes uphill: subtract lr times the gradient":
            train_logistic_regression(X, y, lr, steps, weight_decay, sign=-1.0),
    }


def predict(params, X):
    w, b = params
    return np.array([int(row @ w + b > 0) for row in np.asarray(X, dtype=np.float64)], dtype=np.int64)


def predict_mistakes(params, X):
    w, b = params
    scores = np.asarray(X, dtype=np.float64) @ w + b
    return {
        "probabilities were returned: return class labels, 1 where the score is positive": _sigmoid(scores),
        "the classes are the wrong way round: class 1 where X @ w + b > 0": (scores < 0).astype(np.int64),
        "the scores were returned: threshold them at 0": scores,
    }
