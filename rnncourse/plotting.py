"""Figure helpers used by the lectures.

Each helper draws on a matplotlib Axes that the caller owns, so a lecture can
lay out several panels in one figure and keep control of titles and sizes.
Only numpy and matplotlib are used.
"""

import numpy as np
from matplotlib.patches import FancyBboxPatch

# Colours for the parts of an unrolled network: inputs, states, outputs.
INPUT_COLOR = "#f4a6a6"
STATE_COLOR = "#a8d5a2"
OUTPUT_COLOR = "#a6c8f4"

_BOX = 0.6  # side of a box in data units; columns are 1 unit apart


def _box(ax, x, y, color, label=None):
    """A rounded square centred on (x, y), with an optional label inside."""
    half = _BOX / 2
    ax.add_patch(
        FancyBboxPatch(
            (x - half, y - half), _BOX, _BOX,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color, edgecolor="black", linewidth=1.0,
        )
    )
    if label:
        ax.text(x, y, label, ha="center", va="center", fontsize=9)


def _arrow(ax, start, end):
    """An arrow from the edge of the box at start to the edge of the box at end."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    length = float(np.hypot(dx, dy))
    gap = _BOX / 2 + 0.04
    ux, uy = dx / length, dy / length
    ax.annotate(
        "",
        xy=(x1 - ux * gap, y1 - uy * gap),
        xytext=(x0 + ux * gap, y0 + uy * gap),
        arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.0},
    )


def draw_unrolled(ax, input_steps, output_steps, n_steps=None, title=None, labels=True,
                  width=None):
    """Draw an unrolled recurrent network on ax: one column per time step.

    Inputs sit on the bottom row, states in the middle, outputs on top.
    Every column has a state box; a state passes to the next column's state.

    input_steps, output_steps: the (0-based) columns that have an input or an
    output. n_steps: the number of columns (default: just enough for both).
    labels: write x_t, h_t, y_t inside the boxes (t counted from 1).
    width: how many columns the axes should have room for (default n_steps);
    a wider axes keeps the drawing centred, so panels of different lengths
    can share one box size.
    """
    input_steps, output_steps = list(input_steps), list(output_steps)
    if n_steps is None:
        n_steps = max(input_steps + output_steps) + 1
    for t in range(n_steps):
        _box(ax, t, 1, STATE_COLOR, f"$h_{t + 1}$" if labels else None)
        if t > 0:
            _arrow(ax, (t - 1, 1), (t, 1))
    for t in input_steps:
        _box(ax, t, 0, INPUT_COLOR, f"$x_{t + 1}$" if labels else None)
        _arrow(ax, (t, 0), (t, 1))
    for t in output_steps:
        _box(ax, t, 2, OUTPUT_COLOR, f"$y_{t + 1}$" if labels else None)
        _arrow(ax, (t, 1), (t, 2))
    margin = (max(width or n_steps, n_steps) - n_steps) / 2
    ax.set_xlim(-0.6 - margin, n_steps - 0.4 + margin)
    ax.set_ylim(-0.6, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def show_grid(ax, values, title=None, row_labels=None, col_labels=None, text=None,
              cmap="Blues", vmin=None, vmax=None, fmt="{:g}"):
    """A labelled heatmap of a 2-D array, with each cell's value written in it.

    text: an optional array of strings of the same shape to write instead of
    the values (for example characters, or '' for padding). Returns the image.
    """
    values = np.asarray(values, dtype=float)
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal")
    low, high = image.get_clim()
    middle = (low + high) / 2
    for (i, j), v in np.ndenumerate(values):
        label = text[i][j] if text is not None else fmt.format(v)
        colour = "white" if v > middle else "black"
        ax.text(j, i, label, ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    if col_labels is not None:
        ax.set_xticklabels(col_labels)
    if row_labels is not None:
        ax.set_yticklabels(row_labels)
    ax.tick_params(length=0)
    if title:
        ax.set_title(title, fontsize=10)
    return image


def bar_chart(ax, labels, values, colors=None, ylabel=None, title=None, fmt="{:.3f}",
              ylim=(0.0, 1.08), reference=None, reference_label=None):
    """Bars with their values written on top; an optional dashed reference line."""
    positions = np.arange(len(values))
    bars = ax.bar(positions, values, color=colors, edgecolor="black", linewidth=0.8)
    for bar, v in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, v + 0.01, fmt.format(v),
                ha="center", va="bottom", fontsize=9)
    if reference is not None:
        ax.axhline(reference, color="gray", linestyle="--", linewidth=1, label=reference_label)
        if reference_label:
            ax.legend(loc="upper right", fontsize=9, frameon=False)
    ax.set_xticks(positions)
    ax.set_xticklabels(labels, fontsize=9)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return bars


def _weight_label(ax, start, end, text, offset=(0.0, 0.0)):
    """Write a weight's name next to the middle of the arrow from start to end."""
    (x0, y0), (x1, y1) = start, end
    ax.text((x0 + x1) / 2 + offset[0], (y0 + y1) / 2 + offset[1], text,
            ha="center", va="center", fontsize=9, color="#444444")


def draw_elman(ax, n_steps, n_layers=1, output_steps=None, weight_labels=True, show_h0=True,
               title=None, gap=1.5):
    """Draw an unrolled Elman network with its weights named on the arrows.

    One column per time step; the input on the bottom row, then n_layers rows
    of states, then the output. Every state passes to the same layer's next
    state through W; the input enters the first layer through U, each layer's
    state is the next layer's input (through that layer's U), and the top
    layer feeds the output through V. With several layers the weights carry
    the layer as a superscript.

    output_steps: the (0-based) columns with an output (default: all).
    show_h0: draw the initial states h_0 in a column of their own on the left.
    gap: distance between the centres of neighbouring boxes (a box is 0.6 wide),
    leaving room for the weight names.
    """
    output_steps = range(n_steps) if output_steps is None else list(output_steps)
    shift = 1 if show_h0 else 0
    top = n_layers + 1

    def name(letter, layer):
        return f"${letter}^{{({layer})}}$" if n_layers > 1 else f"${letter}$"

    def state(t, layer):
        return f"$h^{{({layer})}}_{{{t}}}$" if n_layers > 1 else f"$h_{{{t}}}$"

    def at(col, row):
        return col * gap, row * gap

    if show_h0:
        for layer in range(1, n_layers + 1):
            _box(ax, *at(0, layer), "#e3f1e0", state(0, layer))
    for t in range(n_steps):
        col = t + shift
        _box(ax, *at(col, 0), INPUT_COLOR, f"$x_{{{t + 1}}}$")
        for layer in range(1, n_layers + 1):
            _box(ax, *at(col, layer), STATE_COLOR, state(t + 1, layer))
            _arrow(ax, at(col, layer - 1), at(col, layer))
            if weight_labels:
                _weight_label(ax, at(col, layer - 1), at(col, layer), name("U", layer), offset=(0.25, 0.0))
            if col > 0:
                _arrow(ax, at(col - 1, layer), at(col, layer))
                if weight_labels:
                    _weight_label(ax, at(col - 1, layer), at(col, layer), name("W", layer), offset=(0.0, 0.16))
    for t in output_steps:
        col = t + shift
        _box(ax, *at(col, top), OUTPUT_COLOR, f"$y_{{{t + 1}}}$")
        _arrow(ax, at(col, top - 1), at(col, top))
        if weight_labels:
            _weight_label(ax, at(col, top - 1), at(col, top), "$V$", offset=(0.2, 0.0))
    ax.set_xlim(-0.6, (n_steps + shift - 1) * gap + 0.6)
    ax.set_ylim(-0.6, top * gap + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


def draw_folded(ax, title=None, gap=1.5):
    """Draw the folded view of an Elman network: x -> h -> y, and a loop W from h to itself."""
    from matplotlib.patches import FancyArrowPatch

    _box(ax, 0, 0, INPUT_COLOR, "$x_t$")
    _box(ax, 0, gap, STATE_COLOR, "$h_t$")
    _box(ax, 0, 2 * gap, OUTPUT_COLOR, "$y_t$")
    _arrow(ax, (0, 0), (0, gap))
    _arrow(ax, (0, gap), (0, 2 * gap))
    _weight_label(ax, (0, 0), (0, gap), "$U$", offset=(0.2, 0.0))
    _weight_label(ax, (0, gap), (0, 2 * gap), "$V$", offset=(0.2, 0.0))
    half = _BOX / 2
    ax.add_patch(FancyArrowPatch((half + 0.02, gap + 0.15), (half + 0.02, gap - 0.15),
                                 connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=8",
                                 arrowstyle="->", mutation_scale=10, color="black", linewidth=1.0))
    ax.text(half + 0.75, gap, "$W$", ha="center", va="center", fontsize=9, color="#444444")
    ax.set_xlim(-0.6, 1.4)
    ax.set_ylim(-0.6, 2 * gap + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


# ---- computational graphs (lecture 03) -----------------------------------------------

GRAPH_COLORS = {
    "input": INPUT_COLOR,    # inputs and other leaves
    "param": "#f6d88f",      # weights: leaves that are learned (and, in an RNN, shared)
    "op": "#eeeeee",         # operations
    "state": STATE_COLOR,    # hidden states
    "output": OUTPUT_COLOR,  # outputs and losses
}


def draw_graph(ax, nodes, edges, title=None, radius=0.34, fontsize=10, note_size=8):
    """Draw a computational graph on ax: nodes as coloured discs, edges as labelled arrows.

    nodes: {name: {"xy": (x, y), "label": text in the disc, "kind": a key of
        GRAPH_COLORS (default "op"), "note": optional text next to the disc,
        such as the node's value and gradient, "note_at": "below" (default),
        "above", "left" or "right"}}.
    edges: a list of (source, target, label) or (source, target, label, style):
        an arrow from an operand to the operation that uses it; label (or None)
        is written at the middle of the arrow, for example the local derivative
        d target / d source. style may set "rad" (curvature), "color" and
        "label_pos" (0..1 along the arrow, default 0.5).
    Axis limits follow the node positions; units are equal in x and y.
    """
    from matplotlib.patches import Circle, FancyArrowPatch

    for name, node in nodes.items():
        x, y = node["xy"]
        ax.add_patch(Circle((x, y), radius, facecolor=GRAPH_COLORS[node.get("kind", "op")],
                            edgecolor="black", linewidth=1.0, zorder=3))
        ax.text(x, y, node.get("label", name), ha="center", va="center", fontsize=fontsize, zorder=4)
        if node.get("note"):
            side = node.get("note_at", "below")
            dx, dy, ha, va = {"below": (0, -radius - 0.06, "center", "top"),
                              "above": (0, radius + 0.06, "center", "bottom"),
                              "right": (radius + 0.08, 0, "left", "center"),
                              "left": (-radius - 0.08, 0, "right", "center")}[side]
            ax.text(x + dx, y + dy, node["note"], ha=ha, va=va, fontsize=note_size,
                    color="#333333", zorder=4, linespacing=1.1)
    for edge in edges:
        source, target, label = edge[:3]
        style = edge[3] if len(edge) > 3 else {}
        (x0, y0), (x1, y1) = nodes[source]["xy"], nodes[target]["xy"]
        rad = style.get("rad", 0.0)
        color = style.get("color", "black")
        length = float(np.hypot(x1 - x0, y1 - y0))
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        ax.add_patch(FancyArrowPatch((x0 + ux * radius, y0 + uy * radius), (x1 - ux * radius, y1 - uy * radius),
                                     connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=11,
                                     color=color, linewidth=1.0, shrinkA=0, shrinkB=0, zorder=2))
        if label:
            t = style.get("label_pos", 0.5)
            # the midpoint of an arc3 curve lies rad * length off the straight line, on its left
            mx, my = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            bend = 4 * t * (1 - t) * rad / 2
            mx, my = mx + bend * (y1 - y0), my - bend * (x1 - x0)
            ax.text(mx, my, label, ha="center", va="center", fontsize=note_size, color=color, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    xs = [n["xy"][0] for n in nodes.values()]
    ys = [n["xy"][1] for n in nodes.values()]
    sides = {n.get("note_at", "below") for n in nodes.values() if n.get("note")}
    ax.set_xlim(min(xs) - (1.4 if "left" in sides else 0.6), max(xs) + (1.4 if "right" in sides else 0.6))
    ax.set_ylim(min(ys) - (1.0 if "below" in sides else 0.6), max(ys) + (1.0 if "above" in sides else 0.6))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)


# ---- next-character models (lecture 04) ----------------------------------------------

def next_char_bars(axes, probs, tokens, inputs=None, highlight=None, title_prefix="after"):
    """One small bar chart per step: the predicted distribution over the next token.

    axes: a sequence of Axes, one per row of probs (T, V).
    tokens: the V labels of the bars (the vocabulary, in index order).
    inputs: the T tokens read at each step, used in the titles ("after 'h'").
    highlight: T indices to colour, for example the target or the argmax at
    each step (default: the argmax).
    """
    probs = np.asarray(probs, dtype=float)
    highlight = probs.argmax(axis=1) if highlight is None else list(highlight)
    for t, ax in enumerate(axes):
        colors = [OUTPUT_COLOR] * probs.shape[1]
        colors[int(highlight[t])] = "#e07b39"
        bar_chart(ax, tokens, probs[t], colors=colors, fmt="{:.2f}", ylim=(0.0, 1.12))
        if inputs is not None:
            ax.set_title(f"{title_prefix} {inputs[t]!r}", fontsize=10)
        ax.tick_params(axis="x", labelsize=8)


def draw_state_path(ax, states, labels, title=None):
    """The states of one sequence projected on their first two principal axes, in reading order.

    states: (T, H); labels: T strings written next to the points (the character
    just read, say). Consecutive states are joined by arrows, so two visits to
    the same input show as two different points when the state remembers more.
    Returns the (T, 2) projected coordinates.
    """
    states = np.asarray(states, dtype=float)
    centred = states - states.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T if vt.shape[0] >= 2 else np.column_stack([centred @ vt[:1].T, np.zeros(len(states))])
    ax.plot(xy[:, 0], xy[:, 1], "o", color=STATE_COLOR, markeredgecolor="black", markersize=11, zorder=3)
    for t in range(1, len(xy)):
        ax.annotate("", xy=xy[t], xytext=xy[t - 1],
                    arrowprops={"arrowstyle": "->", "color": "gray", "linewidth": 1.0, "shrinkA": 7, "shrinkB": 7})
    for t, label in enumerate(labels):
        ax.annotate(f"{t + 1}: {label}", xy=xy[t], xytext=(8, 6), textcoords="offset points", fontsize=9)
    ax.set_xlabel("principal axis 1")
    ax.set_ylabel("principal axis 2")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return xy


# ---- images and bias probing (lecture 05) ----------------------------------------------


def show_image(ax, image, title=None, mask=None, fontsize=9):
    """Show a channels-first image (C, H, W) with values in [0, 1] on ax, pixels as squares.

    mask: an optional (H, W) boolean array whose outline is drawn in white.
    """
    image = np.clip(np.moveaxis(np.asarray(image, dtype=float), 0, -1), 0.0, 1.0)
    ax.imshow(image, interpolation="nearest")
    if mask is not None:
        ax.contour(np.asarray(mask, dtype=float), levels=[0.5], colors="white", linewidths=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=fontsize)


def plot_curves(ax, xs, curves, xlabel, ylabel, title=None, ylim=(-0.02, 1.02), styles=None):
    """One line with markers per entry of curves ({label: y values at xs}), a legend, and light axes."""
    for i, (label, ys) in enumerate(curves.items()):
        style = (styles or {}).get(label, "-o")
        ax.plot(xs, ys, style, markersize=4, label=label, color=f"C{i}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
