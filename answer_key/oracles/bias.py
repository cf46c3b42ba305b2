"""Assignment 05 (bias probing): reference answers and known mistakes, for `make release` and the project's tests.

The data set, the swap and the augmentation are in answer_key.oracles.images.
The metrics and the logistic regression are written here again, with loops
where the solution vectorises. Each *_mistakes function returns
{description: wrong output} on the same input; `make release` freezes those
outputs next to the expected values (rnncourse.expect.known_mistakes).
"""

import numpy as np

from answer_key.oracles.images import compose

# ---- the swap ---------------------------------------------------------------


def swap_background_mistakes(images, masks, new_backgrounds):
    images, masks, new_backgrounds = np.asarray(images), np.asarray(masks), np.asarray(new_backgrounds)
    return {
        "the mask is used the wrong way round: object pixels must come from the image, the rest from the "
        "new background": compose(new_backgrounds, masks, images),
        "the background was not replaced: the counterfactual is the original image": images.copy(),
        "the new backgrounds were returned: keep the object pixels (mask True) of the image": new_backgrounds.copy(),
    }


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


def group_accuracy_vector_mistakes(predictions, labels, backgrounds):
    """The mistakes' accuracies as vectors over the sorted groups, as the test cells compare them."""
    keys = sorted(group_accuracy(predictions, labels, backgrounds))
    return {d: np.array([m.get(k, np.nan) for k in keys], dtype=np.float64)
            for d, m in group_accuracy_mistakes(predictions, labels, backgrounds).items()}


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


def train_logistic_regression_mistakes(X, y, lr=0.3, steps=300, weight_decay=1e-3, part=None):
    """{description: (w, b)} for each known mistake; part=0 or 1: w or b alone."""
    if part is not None:
        return {d: m[part] for d, m in train_logistic_regression_mistakes(X, y, lr, steps, weight_decay).items()}
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
