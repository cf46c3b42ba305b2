"""Synthetic images with a planted shortcut, for bias probing (lecture and assignment 05).

Every image shows one object on a background, channels first: (3, SIZE, SIZE)
float32 in [0, 1].

- The class is the object's shape: a tall ellipse (class 0) or a wide one
  (class 1), in a warm colour, at a random position and size.
- The background is a separate attribute: kind 0 "land" (green-brown) or
  kind 1 "water" (blue), with some noise. It says nothing about the shape.
- A mask (SIZE, SIZE) of booleans, True on the object's pixels, is kept with
  every image, so the background can be replaced without touching a single
  pixel of the object.

This module draws the pieces (draw_objects, draw_backgrounds) and reads an
image's class and background kind back (object_class, background_kind).
Putting the pieces together into a data set, swapping backgrounds and
augmenting them are the assignment's to write (and the lecture's own).

Nothing is downloaded; numpy only.
"""

import numpy as np

SIZE = 16
CHANNELS = 3
CLASS_NAMES = ("tall", "wide")
BACKGROUND_NAMES = ("land", "water")
# mean RGB of each background kind; the objects are red to yellow, unlike either
BACKGROUND_COLOURS = np.array([[0.40, 0.55, 0.20], [0.15, 0.35, 0.75]])


def draw_objects(labels, rng, size=SIZE):
    """Objects for the given classes: (objects (N, 3, size, size) float32, masks (N, size, size) bool).

    Class 0 is an ellipse taller than wide, class 1 one wider than tall. The
    long semi-axis is 4 to 6 pixels, the short one 1.5 to 2.5, and the centre
    lies within 3 pixels of the middle. `objects` holds the object's colour
    (with a little noise) at every pixel; only the pixels where the mask is
    True belong to the object.
    """
    labels = np.asarray(labels)
    n = len(labels)
    middle = size // 2
    centre_y = rng.integers(middle - 3, middle + 3, size=n)[:, None, None]
    centre_x = rng.integers(middle - 3, middle + 3, size=n)[:, None, None]
    long_axis = rng.uniform(4.0, 6.0, size=n)
    short_axis = rng.uniform(1.5, 2.5, size=n)
    tall = labels == 0
    half_height = np.where(tall, long_axis, short_axis)[:, None, None]
    half_width = np.where(tall, short_axis, long_axis)[:, None, None]
    rows, cols = np.mgrid[0:size, 0:size]
    masks = ((rows - centre_y) / half_height) ** 2 + ((cols - centre_x) / half_width) ** 2 <= 1.0
    colours = np.stack([rng.uniform(0.75, 1.0, n), rng.uniform(0.2, 0.7, n), rng.uniform(0.0, 0.3, n)], axis=1)
    objects = colours[:, :, None, None] + rng.normal(0.0, 0.03, size=(n, CHANNELS, size, size))
    return np.clip(objects, 0.0, 1.0).astype(np.float32), masks


def draw_backgrounds(kinds, rng, size=SIZE):
    """Backgrounds of the given kinds (0 land, 1 water): (N, 3, size, size) float32 in [0, 1].

    Each has its kind's colour, shifted a little per image, plus pixel noise.
    """
    kinds = np.asarray(kinds)
    n = len(kinds)
    base = BACKGROUND_COLOURS[kinds] + rng.normal(0.0, 0.04, size=(n, CHANNELS))
    backgrounds = base[:, :, None, None] + rng.normal(0.0, 0.06, size=(n, CHANNELS, size, size))
    return np.clip(backgrounds, 0.0, 1.0).astype(np.float32)


def background_kind(images, masks):
    """The background kind (0 land, 1 water) that each image shows, read from its pixels.

    The mean colour of the pixels outside the mask, compared with the two
    background colours. Used by tests to see which background an image has,
    whoever drew it.
    """
    images = np.asarray(images, dtype=np.float64)
    outside = ~np.asarray(masks, dtype=bool)[:, None]
    counts = np.maximum(outside.sum(axis=(2, 3)), 1)
    mean_colour = (images * outside).sum(axis=(2, 3)) / counts            # (N, 3)
    distance = ((mean_colour[:, None, :] - BACKGROUND_COLOURS[None]) ** 2).sum(axis=2)
    return distance.argmin(axis=1)


def object_class(masks):
    """The class (0 tall, 1 wide) of each object, read from its mask: taller than wide is class 0."""
    masks = np.asarray(masks, dtype=bool)
    height = masks.any(axis=2).sum(axis=1)
    width = masks.any(axis=1).sum(axis=1)
    return (width > height).astype(np.int64)
