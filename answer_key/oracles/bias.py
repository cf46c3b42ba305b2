"""Assignment 05 (bias probing): reference answers and known mistakes, for `make release` and the project's tests.

The data set, the swap and the augmentation are in answer_key.oracles.images.
The metrics and the logistic regression are written here again, with loops
where the solution vectorises. Each *_mistakes function returns
{description: wrong output} on the same input; `make release` freezes those
outputs next to the expected values (rnncourse.expect.known_mistakes).
"""

import numpy as np

from answer_key.oracles.images import compose


def _differing(right, mistakes, atol=1e-9):
    """The mistakes whose output differs from the right one on this input: a diagnosis that cannot differ from
    the expected value would never be named, and would only mislead the reader of the catalogue."""
    def same(a, b):
        if isinstance(a, dict) or isinstance(b, dict):
            return a == b
        try:
            a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=0, equal_nan=True))

    return {d: v for d, v in mistakes.items() if not same(v, right)}

# ---- the swap ---------------------------------------------------------------


def swap_background_mistakes(images, masks, new_backgrounds):
    images, masks, new_backgrounds = np.asarray(images), np.asarray(masks), np.asarray(new_backgrounds)
    return _differing(compose(images, masks, new_backgrounds), {
        "the mask is used the wrong way round: object pixels must come from the image, the rest from the "
        "new background": compose(new_backgrounds, masks, images),
        "the background was not replaced: the counterfactual is the original image": images.copy(),
        "the new backgrounds were returned: keep the object pixels (mask True) of the image": new_backgrounds.copy(),
    })


# ---- the metrics ------------------------------------------------------------


def flip_rate(predict, images, counterfactuals):
    before, after = np.asarray(predict(images)), np.asarray(predict(counterfactuals))
    flips = 0
    for a, b in zip(before, after, strict=True):
        flips += int(a != b)
    return flips / len(before)


def flip_rate_mistakes(predict, images, counterfactuals):
    rate = flip_rate(predict, images, counterfactuals)
    before = np.asarray(predict(images), dtype=np.float64)
    after = np.asarray(predict(counterfactuals), dtype=np.float64)
    return _differing(rate, {
        "the flip rate counts agreements: it is the fraction of predictions that CHANGE (use !=)": 1.0 - rate,
        "the number of flips was returned: divide by the number of images": rate * len(images),
        "the flips were measured as the mean of |prediction - counterfactual prediction|, which is only right for "
        "classes 0 and 1: count the predictions that differ (!=)": float(np.mean(np.abs(before - after))),
        "the change in the fraction of each class was measured, not the predictions that change: compare the two "
        "predictions image by image": float(abs(np.mean(before) - np.mean(after))),
        "every class above 0 was treated as the same ((prediction > 0) compared), which is only right for classes 0 "
        "and 1: count the predictions that differ (!=)": float(np.mean((before > 0) != (after > 0))),
    })


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
    per_label = {k: float(np.mean(predictions[labels == k[0]] == k[0])) for k in right}
    right_background = {k: float(np.mean(predictions[(labels == k[0]) & (backgrounds == k[1])] == k[1]))
                        for k in right}
    return {
        "the group accuracy is averaged over all examples instead of per group: divide each group's correct "
        "predictions by the size of that group": per_all,
        "every group got the overall accuracy: compute the accuracy within each group": {k: overall for k in right},
        "the keys are (background, label): use (label, background)": {(k[1], k[0]): v for k, v in right.items()},
        "each group got the accuracy of its whole class (both backgrounds): select the examples with this label "
        "AND this background": per_label,
        "the predictions were compared with the background, not the label": right_background,
        "the groups were formed by (prediction, background) instead of (label, background): select a group's "
        "examples by their label": {k: float(np.mean(labels[(predictions == k[0]) & (backgrounds == k[1])] == k[0]))
                                    if np.any((predictions == k[0]) & (backgrounds == k[1])) else float("nan")
                                    for k in right},
    }


def group_accuracy_vector_mistakes(predictions, labels, backgrounds):
    """The mistakes' accuracies as vectors over the sorted groups, as the test cells compare them."""
    keys = sorted(group_accuracy(predictions, labels, backgrounds))
    right = np.array([group_accuracy(predictions, labels, backgrounds)[k] for k in keys])
    return _differing(right, {d: np.array([m.get(k, np.nan) for k in keys], dtype=np.float64)
                              for d, m in group_accuracy_mistakes(predictions, labels, backgrounds).items()})


def group_accuracy_keys_mistakes(predictions, labels, backgrounds):
    """The groups (sorted keys) that known mistakes give, as the test cells compare them."""
    labels, backgrounds = np.asarray(labels), np.asarray(backgrounds)
    right = sorted(group_accuracy(predictions, labels, backgrounds))
    every = [(int(a), int(b)) for a in np.unique(labels) for b in np.unique(backgrounds)]
    mistakes = {
        "the keys are (background, label): use (label, background)": sorted((b, a) for a, b in right),
        "every pair of a label and a background that occur was given a key, also pairs with no example: keep only "
        "the groups that have examples": sorted(every),
        "only labels and backgrounds 0 and 1 were considered: take the groups from the data (there may be more "
        "classes or kinds)": [k for k in right if k[0] in (0, 1) and k[1] in (0, 1)],
        "the classes and kinds were taken as range(number of distinct values), which misses a value when a smaller "
        "one never occurs: take the values that occur, np.unique(labels) and np.unique(backgrounds)":
            [k for k in right if k[0] in range(len(np.unique(labels))) and k[1] in range(len(np.unique(backgrounds)))],
    }
    return {d: v for d, v in mistakes.items() if v != right}


def worst_group_accuracy(predictions, labels, backgrounds):
    return min(group_accuracy(predictions, labels, backgrounds).values())


def worst_group_accuracy_mistakes(predictions, labels, backgrounds):
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    groups = group_accuracy(predictions, labels, backgrounds)
    per_class = [float(np.mean(predictions[labels == c] == c)) for c in np.unique(labels)]
    return _differing(min(groups.values()), {
        "the worst group was taken as the best (max instead of min)": max(groups.values()),
        "the overall accuracy was returned, not the accuracy of the worst group": float(np.mean(predictions == labels)),
        "the worst class was taken, over both backgrounds: take the worst (label, background) group": min(per_class),
        "the mean of the group accuracies was returned: take the lowest": float(np.mean(list(groups.values()))),
        "the accuracy of the smallest group was returned: take the lowest accuracy over all the groups":
            groups[min(groups, key=lambda k: (int(np.sum((labels == k[0]) & (np.asarray(backgrounds) == k[1]))), k))],
        "a pair of a label and a background with no example was counted as a group of accuracy 0: take the lowest "
        "accuracy over the groups that have examples only":
            min(groups.values()) if len(groups) == len(np.unique(labels))
        * len(np.unique(backgrounds)) else 0.0,
    })


# ---- the numpy classifier ---------------------------------------------------


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3, *, mean=True, decay_bias=False,
                              decay=True, sign=1.0, decay_factor=1.0, sequential=False, update_b=True):
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
            grad_w = X.T @ error * scale + (decay_factor * weight_decay * w if decay else 0.0)
            w_new = w - sign * lr * grad_w
            if sequential:                      # b's gradient taken at the new w
                error = _sigmoid(X @ w_new + b) - y
            grad_b = error.sum() * scale + (weight_decay * b if decay_bias else 0.0)
            w = w_new
            b = b - sign * lr * grad_b if update_b else b
    return w, float(b)


def train_logistic_regression_mistakes(X, y, lr=0.3, steps=300, weight_decay=1e-3, part=None):
    """{description: (w, b)} for each known mistake; part=0 or 1: w or b alone."""
    if part is not None:
        right = train_logistic_regression(X, y, lr, steps, weight_decay)[part]
        return _differing(right, {d: m[part] for d, m in
                                  train_logistic_regression_mistakes(X, y, lr, steps, weight_decay).items()})
    return {
        "the gradient is summed over the examples instead of averaged (divide by N)":
            train_logistic_regression(X, y, lr, steps, weight_decay, mean=False),
        "weight decay is also applied to the bias b (decay w only)":
            train_logistic_regression(X, y, lr, steps, weight_decay, decay_bias=True),
        "weight decay is missing: add weight_decay * w to the gradient of w":
            train_logistic_regression(X, y, lr, steps, weight_decay, decay=False),
        "the update goes uphill: subtract lr times the gradient":
            train_logistic_regression(X, y, lr, steps, weight_decay, sign=-1.0),
        "the gradient of weight_decay / 2 * |w|^2 was taken as weight_decay / 2 * w: it is weight_decay * w":
            train_logistic_regression(X, y, lr, steps, weight_decay, decay_factor=0.5),
        "b's gradient was computed after w had been updated: compute both gradients at the same (w, b), then "
        "update both": train_logistic_regression(X, y, lr, steps, weight_decay, sequential=True),
        "b is never updated: take the step b -= lr * db as well":
            train_logistic_regression(X, y, lr, steps, weight_decay, update_b=False),
    }


def predict(params, X):
    w, b = params
    return np.array([int(row @ w + b > 0) for row in np.asarray(X, dtype=np.float64)], dtype=np.int64)


def predict_mistakes(params, X):
    w, b = params
    scores = np.asarray(X, dtype=np.float64) @ w + b
    return _differing(predict(params, X), {
        "probabilities were returned: return class labels, 1 where the score is positive": _sigmoid(scores),
        "the classes are the wrong way round: class 1 where X @ w + b > 0": (scores < 0).astype(np.int64),
        "the scores were returned: threshold them at 0": scores,
        "a score of exactly 0 was given class 1: class 1 only where X @ w + b > 0 (strictly)":
            (scores >= 0).astype(np.int64),
        "the bias b was left out of the score: class 1 where X @ w + b > 0": (scores - b > 0).astype(np.int64),
    })


# ---- the torch track ----------------------------------------------------------
# torch is imported inside the functions: the numpy track's oracles work without it.


def small_cnn_logits(weights, images, *, relu=True, pool="max", softmax=False, channels_last=False):
    """SmallCNN's logits written with torch.nn.functional, from weights {shape: array} (the six parameters, told
    apart by their shapes) and images (N, C, 16, 16). The keyword flags switch on the known mistakes."""
    import torch
    import torch.nn.functional as F

    by_shape = {tuple(np.shape(v)): torch.as_tensor(np.asarray(v), dtype=torch.float32) for v in weights.values()}
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    c = x.shape[1]
    conv1_w, conv1_b = by_shape[(8, c, 3, 3)], by_shape[(8,)]
    conv2_w, conv2_b = by_shape[(16, 8, 3, 3)], by_shape[(16,)]
    head_w = next(v for s, v in by_shape.items() if len(s) == 2 and s[1] == 256)
    head_b = by_shape[(head_w.shape[0],)]
    act = F.relu if relu else (lambda t: t)
    pooling = F.max_pool2d if pool == "max" else F.avg_pool2d
    with torch.no_grad():
        h = pooling(act(F.conv2d(x, conv1_w, conv1_b, padding=1)), 2)
        h = pooling(act(F.conv2d(h, conv2_w, conv2_b, padding=1)), 2)
        h = h.permute(0, 2, 3, 1) if channels_last else h
        logits = F.linear(h.flatten(1), head_w, head_b)
        if softmax:
            logits = logits.softmax(dim=1)
    return logits.numpy()


def small_cnn_mistakes(weights, images):
    right = small_cnn_logits(weights, images)
    return _differing(right, {
        "the ReLUs are missing: each convolution is followed by a ReLU, then 2x2 max-pooling":
            small_cnn_logits(weights, images, relu=False),
        "average pooling was used: the blocks use 2x2 max-pooling":
            small_cnn_logits(weights, images, pool="avg"),
        "a softmax was applied: forward returns the logits, before any softmax":
            small_cnn_logits(weights, images, softmax=True),
        "the features were flattened channels last: flatten the (N, 16, 4, 4) features as they are "
        "(x.flatten(1)), channel by channel": small_cnn_logits(weights, images, channels_last=True),
    }, atol=1e-5)


def train_linear_classifier(weight, bias, images, labels, epochs, lr=0.005, batch_size=64, seed=0, *,
                            batch_means=False, drop_last=False, same_order=False, no_shuffle=False,
                            no_zero_grad=False, sgd=False, loss_sum=False, nominal_size=False):
    """train_classifier's contract on a linear model of the flattened images (weight (K, D), bias (K,)), on the CPU:
    returns (losses, weight, bias) after training. The keyword flags switch on the known mistakes."""
    import torch
    from torch import nn

    X = torch.as_tensor(np.asarray(images), dtype=torch.float32).flatten(1)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    model = nn.Linear(X.shape[1], len(bias))
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(np.asarray(weight)))
        model.bias.copy_(torch.as_tensor(np.asarray(bias)))
    optimiser = (torch.optim.SGD if sgd else torch.optim.Adam)(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        if same_order:
            generator = torch.Generator().manual_seed(seed)
        order = torch.arange(len(X)) if no_shuffle else torch.randperm(len(X), generator=generator)
        total, means = 0.0, []
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            if drop_last and len(batch) < batch_size:
                break
            loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
            if not no_zero_grad:
                optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * (batch_size if nominal_size else len(batch))
            means.append(loss.item())
        losses.append(float(np.mean(means)) if batch_means else sum(means) if loss_sum else total / len(X))
    return losses, model.weight.detach().numpy().copy(), model.bias.detach().numpy().copy()


def train_classifier_mistakes(weight, bias, images, labels, epochs, lr=0.005, batch_size=64, seed=0, part=0):
    """{description: what the mistake returns}: part 0 the losses, 1 the final weight, 2 the final bias."""
    args = (weight, bias, images, labels, epochs, lr, batch_size, seed)
    right = train_linear_classifier(*args)[part]
    flags = {
        "the epoch's loss is the mean of the batch means: weight each batch's loss by its size (the last batch is "
        "smaller), so that it is the mean over the epoch's examples": "batch_means",
        "the epoch's loss is the sum of the batch losses: average it over the epoch's examples": "loss_sum",
        "the last, smaller batch was left out: every example is used once per epoch": "drop_last",
        "every batch's loss was weighted by batch_size, also the last, smaller one: weight it by its own size, "
        "loss.item() * len(batch)": "nominal_size",
        "the same order was used in every epoch: create the generator once, before the first epoch": "same_order",
        "the examples were not shuffled: draw each epoch's order with torch.randperm(N, generator=g)": "no_shuffle",
        "the gradients are not zeroed before each backward pass: call optimiser.zero_grad() at every step":
            "no_zero_grad",
        "the optimiser is SGD: train with torch.optim.Adam(model.parameters(), lr=lr)": "sgd",
    }
    found = {d: train_linear_classifier(*args, **{flag: True})[part] for d, flag in flags.items()}
    return _differing(np.asarray(right), {d: np.asarray(v) for d, v in found.items()}, atol=1e-5)
