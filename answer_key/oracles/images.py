"""Assignment 05 (bias probing): the reference data set, background swap and augmentation.

These answer graded functions of the assignment (make_dataset, swap_background,
augment_backgrounds), so they live with the grader, not in the student package:
rnncourse.images keeps only the drawing of objects and backgrounds and the
readers (object_class, background_kind) that tests use.
"""

import numpy as np

from rnncourse.images import SIZE, draw_backgrounds, draw_objects


def compose(objects, masks, backgrounds):
    """Object pixels where the mask is True, background pixels elsewhere: (N, 3, H, W)."""
    return np.where(np.asarray(masks)[:, None], objects, backgrounds)


def make_dataset(n, p_spurious, seed):
    """A data set of n images whose background kind equals the class with probability p_spurious.

    Returns (images (n, 3, SIZE, SIZE) float32 in [0, 1], labels (n,) int64,
    backgrounds (n,) int64, masks (n, SIZE, SIZE) bool, True on the object).
    The same seed gives the same data set.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    agree = rng.random(n) < p_spurious
    backgrounds = np.where(agree, labels, 1 - labels)
    objects, masks = draw_objects(labels, rng, size=SIZE)
    images = compose(objects, masks, draw_backgrounds(backgrounds, rng, size=SIZE))
    return images, labels, backgrounds, masks


def swap_background(images, masks, new_backgrounds):
    """Counterfactual images: every object pixel kept exactly, every other pixel from new_backgrounds."""
    return compose(images, masks, new_backgrounds)


def augment_backgrounds(images, masks, rng):
    """Each image on a fresh background whose kind is drawn at random, independently of the image."""
    kinds = rng.integers(0, 2, size=len(images))
    return swap_background(images, masks, draw_backgrounds(kinds, rng, size=images.shape[-1]))
