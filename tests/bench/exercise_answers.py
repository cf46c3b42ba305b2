"""The measured figures in the lectures' exercise answers (04.6 and 05.3 to 05.6), from the lectures' own code.

    make bench ONLY=exercises

Each function runs one lecture's code cells in this process (tests/notebooks.namespace) and prints the numbers
that the answer quotes, with the seeds it names. Seconds to a few minutes on 2 cores (the CNN runs of 05.4 most).
"""

import numpy as np

from tests.notebooks import REPO, namespace


def _fmt(r):
    return f"accuracy {r['accuracy']:.3f}  flip rate {r['flip rate']:.3f}  worst group {r['worst group']:.3f}"


def hello_temperatures(lecture=None):
    """04.6: lines whose answer belongs to their question, 20 samples per temperature."""
    from rnncourse.text import _DIALOGUE

    g = lecture or namespace(REPO / "lectures" / "04_hello_one_hot.ipynb")

    def right(line):
        for question, answers in _DIALOGUE.items():
            if question in line:
                return any(line.split(question, 1)[1].strip().startswith(a) for a in answers)
        return False

    print("04.6: 20 lines per temperature from 'hello ', rng = np.random.default_rng(0) per temperature")
    for temperature in (0.5, 1.0, 2.0):
        rng = np.random.default_rng(0)
        lines = [g["torch_generate"](g["model"], "hello ", temperature=temperature, rng=rng).split("\n")[0]
                 for _ in range(20)]
        asked = sum(any(q in line for q in _DIALOGUE) for line in lines)
        print(f"  T = {temperature}: {sum(map(right, lines))} of 20 right, {asked} with a question, "
              f"{len(set(lines))} distinct; first: {lines[0]!r}")


def bias_exercises(lecture=None):
    """05.3 to 05.6 on the lecture's data, models and probe."""
    g = lecture or namespace(REPO / "lectures" / "05_bias_probing.ipynb")
    make_dataset, features, train, linear, probe = (g[k] for k in ("make_dataset", "features",
                                                                   "train_logistic_regression",
                                                                   "linear_classifier", "probe"))
    print("05.3: as drawn, reweighted and augmented (augmentation rng 7), make_dataset(n, p, seed=1)")
    for p, n in ((0.8, 1000), (0.95, 1000), (0.99, 1000), (0.99, 4000)):
        images, labels, backgrounds, masks = make_dataset(n, p, seed=1)
        counts = g["group_counts"](labels, backgrounds)
        reweighted = probe(linear(train(features(images), labels, sample_weight=1.0 / counts[labels, backgrounds])))
        augmented = probe(linear(train(features(g["augment_backgrounds"](images, masks, np.random.default_rng(7))),
                                       labels)))
        print(f"  p = {p}, n = {n}, groups {counts.tolist()}")
        for name, result in (("as drawn", probe(linear(train(features(images), labels)))),
                             ("reweighted", reweighted), ("augmented", augmented)):
            print(f"    {name:10s} {_fmt(result)}")

    print("05.4: the small CNN, 3 and 10 epochs, seeds 0 to 3")
    for p in (0.95, 0.99):
        images, labels, _, _ = make_dataset(1000, p, seed=1)
        for seed in range(4):
            short, long = (probe(g["train_cnn"](images, labels, epochs=e, seed=seed)) for e in (3, 10))
            print(f"  p = {p}, seed {seed}: 3 epochs {_fmt(short)} | 10 epochs {_fmt(long)}")

    print("05.5: background colours moved towards their mean (p = 0.95)")
    import rnncourse.images as images_module

    old = images_module.BACKGROUND_COLOURS.copy()
    try:
        for fraction in (1.0, 0.5, 0.25, 0.1, 0.0):
            mean = old.mean(axis=0)
            images_module.BACKGROUND_COLOURS = (mean + fraction * (old - mean)).astype(old.dtype)
            images, labels, _, _ = make_dataset(1000, 0.95, seed=1)
            print(f"  distance x{fraction}: {_fmt(probe(linear(train(features(images), labels))))}")
    finally:
        images_module.BACKGROUND_COLOURS = old

    print("05.6: the consistency penalty lam * mean((s(x) - s(x'))^2), counterfactuals with rng 11")
    X, y = features(g["train_images"]), g["train_labels"].astype(np.float32)
    swapped = g["swap_background"](g["train_images"], g["train_masks"],
                                   g["draw_backgrounds"](1 - g["train_backgrounds"], np.random.default_rng(11)))
    D = X - features(swapped)
    n = len(y)
    largest = float(np.linalg.eigvalsh((D.T @ D / n).astype(np.float64))[-1])
    print(f"  largest eigenvalue of D^T D / n: {largest:.1f} (stable while lr * 2 lam * it < 2)")

    def penalised(lam, lr, steps):
        w, b = np.zeros(X.shape[1], np.float32), np.float32(0.0)
        for _ in range(steps):
            error = (np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y) / n
            w -= lr * (X.T @ error + 1e-3 * w + 2 * lam * (D.T @ (D @ w)) / n)
            b -= lr * error.sum()
        return w, b

    with np.errstate(over="ignore", invalid="ignore"):
        for lam in (0.01, 0.03, 0.05):
            print(f"  lam {lam}, lr 0.3, 300 steps: {_fmt(probe(linear(penalised(lam, 0.3, 300))))}")
        for lam in (0.1, 0.3, 1, 3, 10):
            lr = min(0.3, 0.9 / (2 * lam * largest))
            print(f"  lam {lam}, lr {lr:.4f}, 3000 steps: {_fmt(probe(linear(penalised(lam, lr, 3000))))}")


def main():
    hello_temperatures()
    bias_exercises()


if __name__ == "__main__":
    main()
