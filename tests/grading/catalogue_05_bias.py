"""Assignment 05: plausible wrong implementations and correct alternatives."""

from tests.grading.harness import Variant

ASSIGNMENT = "05_bias"

_TRAIN = '''
def train_classifier(model, images, labels, device, epochs, lr=0.005, batch_size=64, seed=0):
    model.to(device)
    X = torch.as_tensor(images, dtype=torch.float32).to(device)
    y = torch.as_tensor(labels, dtype=torch.int64).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in progress(range(epochs), desc="training"):
        model.train()
        order = torch.randperm(len(X), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        losses.append(total / len(X))
    return losses
'''

MISTAKES = [
    Variant("make_dataset: the unlinked background is drawn at random", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, labels, rng.integers(0, 2, size=n))
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.astype(np.float32), labels, backgrounds, masks
'''}, expect="when the background is not tied to the label it is drawn at random"),
    Variant("make_dataset: p used the wrong way round", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, 1 - labels, labels)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.astype(np.float32), labels, backgrounds, masks
'''}, expect="p is used the wrong way round"),
    Variant("make_dataset: channels last", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, labels, 1 - labels)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.transpose(0, 2, 3, 1).astype(np.float32), labels, backgrounds, masks
'''}, expect="the layout is channels last"),
    Variant("make_dataset: object added onto the background (outside [0, 1])", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, labels, 1 - labels)
    objects, masks = draw_objects(labels, rng)
    images = objects * masks[:, None] + draw_backgrounds(backgrounds, rng)
    return images.astype(np.float32), labels, backgrounds, masks
'''}, expect="the object was added on top of the background"),
    Variant("make_dataset: masks inverted", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, labels, 1 - labels)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.astype(np.float32), labels, backgrounds, ~masks
'''}, expect="the masks are inverted"),
    Variant("swap_background: soft paste alters the foreground", {"swap_background": '''
def swap_background(images, masks, new_backgrounds):
    return np.where(masks[:, None], 0.8 * images + 0.2 * new_backgrounds, new_backgrounds)
'''}, expect="the swap also alters the foreground"),
    Variant("swap_background: mask used the wrong way round", {"swap_background": '''
def swap_background(images, masks, new_backgrounds):
    return np.where(masks[:, None], new_backgrounds, images)
'''}, expect="the mask is used the wrong way round"),
    Variant("flip_rate: counts agreements", {"flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    return float(np.mean(predict(images) == predict(counterfactuals)))
'''}, expect="the flip rate counts agreements"),
    Variant("group_accuracy: averaged over all examples", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    result = {}
    for label in np.unique(labels):
        for background in np.unique(backgrounds):
            members = (labels == label) & (backgrounds == background)
            if members.any():
                result[(int(label), int(background))] = float(np.sum(predictions[members] == label) / len(labels))
    return result
'''}, expect="averaged over all examples instead of per group"),
    Variant("worst_group_accuracy: takes the best group", {"worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    return max(group_accuracy(predictions, labels, backgrounds).values())
'''}, expect="the worst group was taken as the best"),
    Variant("augment_backgrounds: keeps each background's kind, leaking the label", {"augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    outside = ~masks[:, None]
    blue = (images[:, 2:3] * outside).sum(axis=(1, 2, 3))
    green = (images[:, 1:2] * outside).sum(axis=(1, 2, 3))
    kinds = (blue > green).astype(np.int64)              # new noise, same kind of background
    return swap_background(images, masks, draw_backgrounds(kinds, rng)).astype(np.float32)
'''}, expect="leaks the label into the background"),
    Variant("augment_backgrounds: returns the images unchanged", {"augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    return images.copy()
'''}, expect="the augmentation did not replace the background"),
    Variant("train_logistic_regression: gradient summed, not averaged", {"train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        error = np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y
        w = w - lr * (X.T @ error + weight_decay * w)
        b = b - lr * error.sum()
    return w, float(b)
'''}, expect="summed over the examples instead of averaged"),
    Variant("train_logistic_regression: bias decayed too", {"train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        error = np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y
        w = w - lr * (X.T @ error / len(y) + weight_decay * w)
        b = b - lr * (error.mean() + weight_decay * b)
    return w, float(b)
'''}, expect="weight decay is also applied to the bias"),
    Variant("predict: returns probabilities", {"predict": '''
def predict(params, X):
    w, b = params
    return 1.0 / (1.0 + np.exp(-(np.asarray(X, dtype=np.float64) @ w + b)))
'''}, expect="probabilities were returned"),
    Variant("SmallCNN: one convolution only", {"SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 8, kernel_size=3, padding=1)
        self.head = nn.Linear(8 * 8 * 8, num_classes)

    def forward(self, images):
        return self.head(nn.functional.max_pool2d(torch.relu(self.conv(images)), 2).flatten(1))
'''}, expect="one convolution block only"),
    Variant("train_classifier: shuffles with numpy's global generator, ignoring seed", {"train_classifier": '''
def train_classifier(model, images, labels, device, epochs, lr=0.005, batch_size=64, seed=0):
    model.to(device)
    X = torch.as_tensor(images, dtype=torch.float32).to(device)
    y = torch.as_tensor(labels, dtype=torch.int64).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(epochs)):
        order = torch.as_tensor(np.random.permutation(len(X)), device=device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss = nn.functional.cross_entropy(model(X[batch]), y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        losses.append(total / len(X))
    return losses
'''}, expect="numpy's global generator"),
] + [
    # ---- issue 14: contract clauses, edge inputs, and messages that name the mistake ----
    Variant("make_dataset: labels are booleans", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.5
    backgrounds = np.where(rng.random(n) < p_spurious, labels, ~labels)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds.astype(int), rng))
    return images.astype(np.float32), labels, backgrounds.astype(np.int64), masks
'''}, expect="the labels or backgrounds are booleans"),
    Variant("make_dataset: draws from numpy's global generator, seeded", {"make_dataset": '''
def make_dataset(n, p_spurious, seed):
    np.random.seed(seed)
    labels = np.random.randint(0, 2, size=n)
    backgrounds = np.where(np.random.rand(n) < p_spurious, labels, 1 - labels)
    rng = np.random.default_rng(seed)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.astype(np.float32), labels, backgrounds, masks
'''}, expect="numpy's global generator"),
    Variant("swap_background: writes into the images and returns them", {"swap_background": '''
def swap_background(images, masks, new_backgrounds):
    outside = np.broadcast_to(~masks[:, None], images.shape)
    images[outside] = new_backgrounds[outside]
    return images
'''}, expect="was changed by the call"),
    Variant("flip_rate: mean absolute difference of the classes", {"flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    return float(np.mean(np.abs(np.asarray(predict(images)) - np.asarray(predict(counterfactuals)))))
'''}, expect="only right for classes 0 and 1"),
    Variant("group_accuracy: numpy integer keys", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    predictions, labels, backgrounds = np.asarray(predictions), np.asarray(labels), np.asarray(backgrounds)
    groups = {}
    for label in np.unique(labels):
        for background in np.unique(backgrounds):
            members = (labels == label) & (backgrounds == background)
            if members.any():
                groups[(label, background)] = float(np.mean(predictions[members] == label))
    return groups
'''}, expect="the keys are numpy integers"),
    Variant("group_accuracy: a key for every combination, NaN for empty groups", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    predictions, labels, backgrounds = np.asarray(predictions), np.asarray(labels), np.asarray(backgrounds)
    groups = {}
    for label in np.unique(labels):
        for background in np.unique(backgrounds):
            members = (labels == label) & (backgrounds == background)
            groups[(int(label), int(background))] = float(np.sum(predictions[members] == label) / max(members.sum(), 1))
    return groups
'''}, expect="also pairs with no example"),
    Variant("group_accuracy: assumes two classes and two backgrounds", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    predictions, labels, backgrounds = np.asarray(predictions), np.asarray(labels), np.asarray(backgrounds)
    groups = {}
    for label in (0, 1):
        for background in (0, 1):
            members = (labels == label) & (backgrounds == background)
            if members.any():
                groups[(label, background)] = float(np.mean(predictions[members] == label))
    return groups
'''}, expect="only labels and backgrounds 0 and 1 were considered"),
    Variant("worst_group_accuracy: the mean of the groups", {"worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    return float(np.mean(list(group_accuracy(predictions, labels, backgrounds).values())))
'''}, expect="the mean of the group accuracies"),
    Variant("augment_backgrounds: kinds from rng.integers(0, 1), all land", {"augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    kinds = rng.integers(0, 1, size=len(images))
    return swap_background(images, masks, draw_backgrounds(kinds, rng)).astype(np.float32)
'''}, expect="every new background is land"),
    Variant("augment_backgrounds: a generator of its own, ignoring rng", {"augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    own = np.random.default_rng(0)
    kinds = own.integers(0, 2, size=len(images))
    return swap_background(images, masks, draw_backgrounds(kinds, own)).astype(np.float32)
'''}, expect="the rng argument is not used"),
    Variant("train_logistic_regression: a sigmoid that overflows", {"train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        error = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
        w = w - lr * (X.T @ error / len(y) + weight_decay * w)
        b = b - lr * error.mean()
    return w, float(b)
'''}, expect="the sigmoid is computed as 1 / (1 + np.exp(-z))"),
    Variant("train_logistic_regression: b's gradient taken after w's update", {"train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        error = np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y
        w = w - lr * (X.T @ error / len(y) + weight_decay * w)
        error = np.exp(-np.logaddexp(0.0, -(X @ w + b))) - y
        b = b - lr * error.mean()
    return w, float(b)
'''}, expect="b's gradient was computed after w had been updated"),
    Variant("predict: a score of exactly 0 is class 1", {"predict": '''
def predict(params, X):
    w, b = params
    return (np.asarray(X, dtype=np.float64) @ w + b >= 0).astype(np.int64)
'''}, expect="a score of exactly 0 was given class 1"),
    Variant("SmallCNN: average pooling", {"SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        )
        self.head = nn.Linear(16 * 4 * 4, num_classes)

    def forward(self, images):
        return self.head(self.features(images).flatten(start_dim=1))
'''}, expect="average pooling was used"),
    Variant("SmallCNN: softmax on the output", {"SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(16 * 4 * 4, num_classes)

    def forward(self, images):
        return self.head(self.features(images).flatten(start_dim=1)).softmax(dim=1)
'''}, expect="a softmax was applied"),
    Variant("SmallCNN: convolutions without padding", {"SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(16 * 4 * 4, num_classes)

    def forward(self, images):
        return self.head(self.features(images).flatten(start_dim=1))
'''}, expect="16 channels x 4 x 4 = 256"),
] + [Variant(name, {"train_classifier": _TRAIN.replace(old, new)}, expect=expect) for name, old, new, expect in [
    ("train_classifier: the epoch loss is the mean of the batch means",
     "total += loss.item() * len(batch)", "total += loss.item() * len(X) / -(-len(X) // batch_size)",
     "the mean of the batch means"),
    ("train_classifier: the last, smaller batch is dropped",
     "for start in range(0, len(X), batch_size):", "for start in range(0, len(X) - batch_size + 1, batch_size):",
     "the last, smaller batch was left out"),
    ("train_classifier: a new generator every epoch (the same order each time)",
     "order = torch.randperm(", "generator = torch.Generator().manual_seed(seed)\n        order = torch.randperm(",
     "the same order was used in every epoch"),
    ("train_classifier: model.train() missing", "model.train()\n", "\n", "model.train() is missing"),
    ("train_classifier: the model is not moved to the device", "model.to(device)\n", "\n",
     "move the model with model.to(device)"),
    ("train_classifier: torch's global generator, seeded, instead of a generator of its own",
     "generator = torch.Generator().manual_seed(seed)", "torch.manual_seed(seed)\n    generator = None",
     "torch's global generator"),
    ("train_classifier: losses kept as tensors", "total += loss.item() * len(batch)",
     "total = total + loss.detach() * len(batch)", "the losses are tensors"),
]]

ALTERNATIVES = [
    Variant("loops, another order of random draws, a balanced augmentation", {
        "make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(2, size=n)
    objects, masks = draw_objects(labels, rng)
    flipped = rng.uniform(size=n) >= p_spurious
    backgrounds = np.bitwise_xor(labels, flipped.astype(labels.dtype))
    images = draw_backgrounds(backgrounds, rng)
    for i in range(n):
        images[i][:, masks[i]] = objects[i][:, masks[i]]
    return images.astype(np.float32), labels.astype(np.int64), backgrounds.astype(np.int64), masks
''',
        "swap_background": '''
def swap_background(images, masks, new_backgrounds):
    out = np.array(new_backgrounds, dtype=images.dtype, copy=True)
    for i in range(len(images)):
        out[i][:, masks[i]] = images[i][:, masks[i]]
    return out
''',
        "flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    before, after = predict(images), predict(counterfactuals)
    changed = 0
    for a, b in zip(before, after):
        if a != b:
            changed += 1
    return changed / len(before)
''',
        "group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    right, seen = {}, {}
    for p, y, k in zip(predictions, labels, backgrounds):
        key = (int(y), int(k))
        seen[key] = seen.get(key, 0) + 1
        right[key] = right.get(key, 0) + int(p == y)
    return {key: right[key] / seen[key] for key in seen}
''',
        "worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    return sorted(group_accuracy(predictions, labels, backgrounds).values())[0]
''',
        "augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    kinds = rng.permutation(np.arange(len(images)) % 2)      # exactly half of each kind, in random order
    return swap_background(images, masks, draw_backgrounds(kinds, rng)).astype(np.float32)
''',
        "train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = X.shape
    w = np.zeros(d)
    b = 0.0
    for step in range(steps):
        p = 0.5 * (1.0 + np.tanh(0.5 * (X @ w + b)))          # the sigmoid, written with tanh
        grad_w = np.mean(X * (p - y)[:, None], axis=0) + weight_decay * w
        grad_b = np.mean(p - y)
        w -= lr * grad_w
        b -= lr * grad_b
    return w, float(b)
''',
        "predict": '''
def predict(params, X):
    w, b = params
    return np.where(np.asarray(X, dtype=np.float64) @ w + b > 0, 1, 0)
''',
    }),
    Variant("vectorised with bincount and einsum; explicit torch layers", {
        "group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    predictions, labels, backgrounds = map(np.asarray, (predictions, labels, backgrounds))
    n_backgrounds = int(backgrounds.max()) + 1
    ids = labels * n_backgrounds + backgrounds
    sizes = np.bincount(ids)
    right = np.bincount(ids, weights=(predictions == labels).astype(float), minlength=len(sizes))
    return {(int(i // n_backgrounds), int(i % n_backgrounds)): float(right[i] / sizes[i])
            for i in np.flatnonzero(sizes)}
''',
        "flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    return np.count_nonzero(np.asarray(predict(images)) != np.asarray(predict(counterfactuals))) / len(images)
''',
        "train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    params = np.zeros(X.shape[1] + 1)                         # w and b in one vector
    Xb = np.hstack([X, np.ones((len(X), 1))])
    decay = np.full(X.shape[1] + 1, weight_decay)
    decay[-1] = 0.0
    for _ in range(steps):
        z = Xb @ params
        p = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
        params = params - lr * (np.einsum("nd,n->d", Xb, p - y) / len(y) + decay * params)
    return params[:-1], float(params[-1])
''',
        "SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(256, num_classes)

    def forward(self, images):
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(images)), 2)
        x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
        return self.fc(x.reshape(x.shape[0], -1))
''',
        "train_classifier": '''
def train_classifier(model, images, labels, device, epochs, lr=0.005, batch_size=64, seed=0):
    model = model.to(device)
    X = torch.as_tensor(np.asarray(images), dtype=torch.float32, device=device)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator()
    g.manual_seed(seed)
    history = []
    for epoch in progress(range(epochs), desc="epochs"):
        model.train()
        losses, sizes = [], []
        for batch in torch.randperm(X.shape[0], generator=g).split(batch_size):
            batch = batch.to(device)
            loss = nn.functional.cross_entropy(model(X[batch]), y[batch], reduction="sum")
            opt.zero_grad()
            (loss / len(batch)).backward()
            opt.step()
            losses.append(loss.item())
            sizes.append(len(batch))
        history.append(sum(losses) / sum(sizes))
    return history
''',
    }),
]

ALTERNATIVES += [
    Variant("torch.nn.functional with its own parameters; float32 metrics; boolean classes; other loops", {
        "SmallCNN": '''
class SmallCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=2):
        super().__init__()
        def param(*shape, fan_in):
            return nn.Parameter((torch.rand(*shape) * 2 - 1) / fan_in ** 0.5)
        self.w1, self.b1 = param(8, in_channels, 3, 3, fan_in=9 * in_channels), param(8, fan_in=9 * in_channels)
        self.w2, self.b2 = param(16, 8, 3, 3, fan_in=72), param(16, fan_in=72)
        self.w3, self.b3 = param(num_classes, 256, fan_in=256), param(num_classes, fan_in=256)

    def forward(self, images):
        F = torch.nn.functional
        x = F.max_pool2d(F.relu(F.conv2d(images, self.w1, self.b1, padding=1)), kernel_size=2)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.w2, self.b2, padding=1)), kernel_size=2)
        return x.reshape(len(x), -1) @ self.w3.T + self.b3
''',
        "group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    correct = (np.asarray(predictions) == np.asarray(labels)).astype(np.float32)
    pairs = np.stack([np.asarray(labels), np.asarray(backgrounds)], axis=1)
    keys, group = np.unique(pairs, axis=0, return_inverse=True)
    group = group.reshape(-1)
    sums = np.zeros(len(keys), dtype=np.float32)
    np.add.at(sums, group, correct)
    sizes = np.bincount(group, minlength=len(keys)).astype(np.float32)
    return {(int(a), int(b)): sums[i] / sizes[i] for i, (a, b) in enumerate(keys)}
''',
        "worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    return np.min(np.array(list(group_accuracy(predictions, labels, backgrounds).values()), dtype=np.float32))
''',
        "flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    return np.mean(np.asarray(predict(images)) != np.asarray(predict(counterfactuals)), dtype=np.float32)
''',
        "predict": '''
def predict(params, X):
    w, b = params
    return np.asarray(X) @ np.asarray(w, dtype=np.float64) > -b
''',
        "make_dataset": '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n, dtype=np.int32)
    backgrounds = labels.copy()
    other = rng.random(n) >= p_spurious
    backgrounds[other] = 1 - backgrounds[other]
    objects, masks = draw_objects(labels, rng)
    backdrops = draw_backgrounds(backgrounds, rng)
    m = masks[:, None].astype(np.float32)
    return (objects * m + backdrops * (1 - m)).astype(np.float32), labels, backgrounds, masks
''',
    }),
    Variant("arithmetic swap, both kinds drawn then chosen, batches moved one at a time", {
        "swap_background": '''
def swap_background(images, masks, new_backgrounds):
    keep = np.expand_dims(masks, 1).astype(images.dtype)
    return images * keep + new_backgrounds * (1 - keep)
''',
        "augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    n = len(images)
    water = rng.random(n) < 0.5
    land_backdrops = draw_backgrounds(np.zeros(n, dtype=int), rng)
    water_backdrops = draw_backgrounds(np.ones(n, dtype=int), rng)
    backdrops = np.where(water[:, None, None, None], water_backdrops, land_backdrops)
    out = np.array(images, dtype=np.float32, copy=True)
    out[~np.broadcast_to(masks[:, None], out.shape)] = backdrops[~np.broadcast_to(masks[:, None], out.shape)]
    return out
''',
        "train_classifier": '''
def train_classifier(model, images, labels, device, epochs, lr=0.005, batch_size=64, seed=0):
    model = model.to(device)
    images = torch.as_tensor(images).float()
    labels = torch.as_tensor(labels).long()
    n = images.shape[0]
    optimiser = torch.optim.Adam(model.parameters(), lr)
    g = torch.Generator()
    g.manual_seed(seed)
    history = []
    for epoch in progress(range(epochs)):
        model.train(True)
        order = torch.randperm(n, generator=g)
        running = 0.0
        for batch in torch.split(order, batch_size):
            inputs, targets = images[batch].to(device), labels[batch].to(device)
            optimiser.zero_grad(set_to_none=True)
            loss = torch.nn.CrossEntropyLoss()(model(inputs), targets)
            loss.backward()
            optimiser.step()
            running += float(loss) * batch.numel()
        history.append(running / n)
    return history
''',
        "flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    return np.not_equal(predict(images), predict(counterfactuals)).sum() / len(images)
''',
    }),
]

# ---- audit of the clauses the held-out submissions may break (issue: 05_bias grading audit) ----
_MAKE = '''
def make_dataset(n, p_spurious, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    backgrounds = np.where(rng.random(n) < p_spurious, labels, 1 - labels)
    objects, masks = draw_objects(labels, rng)
    images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))
    return images.astype(np.float32), labels, backgrounds, masks
'''
_AUGMENT = '''
def augment_backgrounds(images, masks, rng):
    kinds = rng.integers(0, 2, size=len(images))
    return swap_background(images, masks, draw_backgrounds(kinds, rng)).astype(np.float32)
'''
MISTAKES += [Variant(name, {"make_dataset": _MAKE.replace(old, new)}, expect=expect) for name, old, new, expect in [
    ("make_dataset: the objects are never painted in",
     "images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))",
     "images = draw_backgrounds(backgrounds, rng)", "the objects were never painted in"),
    ("make_dataset: the object pixels blend object and background",
     "images = np.where(masks[:, None], objects, draw_backgrounds(backgrounds, rng))",
     "drawn = draw_backgrounds(backgrounds, rng)\n"
     "    images = np.where(masks[:, None], 0.5 * objects + 0.5 * drawn, drawn)",
     "a mix of the object and the background"),
    ("make_dataset: one uniform draw decides the label and the agreement",
     "labels = rng.integers(0, 2, size=n)\n    backgrounds = np.where(rng.random(n) < p_spurious, labels, 1 - labels)",
     "u = rng.random(n)\n    labels = (u < 0.5).astype(np.int64)\n"
     "    backgrounds = np.where(u < p_spurious, labels, 1 - labels)",
     "the same random numbers decide the label"),
    ("make_dataset: sorted labels, half of each class",
     "labels = rng.integers(0, 2, size=n)", "labels = (np.arange(n) >= n // 2).astype(np.int64)",
     "the labels follow a fixed pattern"),
]] + [Variant(name, {"augment_backgrounds": _AUGMENT.replace(old, new)}, expect=expect)
      for name, old, new, expect in [
    ("augment_backgrounds: kinds alternate by position", "kinds = rng.integers(0, 2, size=len(images))",
     "kinds = np.arange(len(images)) % 2", "the kinds follow the images' positions"),
    ("augment_backgrounds: kinds from a generator of their own", "kinds = rng.integers(0, 2, size=len(images))",
     "kinds = np.random.default_rng(0).integers(0, 2, size=len(images))", "the kinds do not come from rng"),
    ("augment_backgrounds: one kind for the whole batch", "kinds = rng.integers(0, 2, size=len(images))",
     "kinds = np.full(len(images), rng.integers(0, 2))", "one kind was drawn for the whole batch"),
]] + [Variant(name, {"train_classifier": _TRAIN.replace(old, new)}, expect=expect) for name, old, new, expect in [
    ("train_classifier: labels kept in their own integer dtype", "torch.as_tensor(labels, dtype=torch.int64)",
     "torch.as_tensor(labels)", "in their own integer dtype"),
    ("train_classifier: the labels stay on the CPU", "y = torch.as_tensor(labels, dtype=torch.int64).to(device)",
     "y = torch.as_tensor(labels, dtype=torch.int64)", "the labels were left on the CPU"),
    ("train_classifier: every batch weighted by batch_size", "total += loss.item() * len(batch)",
     "total += loss.item() * batch_size", "weighted by batch_size"),
    ("train_classifier: torch.from_numpy, numpy arrays only",
     "X = torch.as_tensor(images, dtype=torch.float32).to(device)",
     "X = torch.from_numpy(np.asarray(images, dtype=np.float32)).to(device) if isinstance(images, np.ndarray) "
     "else torch.from_numpy(images)", "the inputs were converted with torch.from_numpy"),
]] + [
    Variant("group_accuracy: classes as range(number of distinct labels)", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    result = {}
    for c in range(len(np.unique(labels))):
        for k in range(len(np.unique(backgrounds))):
            group = (labels == c) & (backgrounds == k)
            if group.any():
                result[(c, k)] = float(np.mean(predictions[group] == labels[group]))
    return result
'''}, expect="range(number of distinct values)"),
    Variant("group_accuracy: groups by (prediction, background)", {"group_accuracy": '''
def group_accuracy(predictions, labels, backgrounds):
    result = {}
    for c, k in sorted(set(zip(predictions.tolist(), backgrounds.tolist()))):
        group = (predictions == c) & (backgrounds == k)
        result[(int(c), int(k))] = float(np.mean(predictions[group] == labels[group]))
    return result
'''}, expect="formed by (prediction, background)"),
    Variant("worst_group_accuracy: an empty pair counted as accuracy 0", {"worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    accuracies = []
    for c in np.unique(labels):
        for k in np.unique(backgrounds):
            group = (labels == c) & (backgrounds == k)
            accuracies.append(float(np.mean(predictions[group] == c)) if group.any() else 0.0)
    return min(accuracies)
'''}, expect="with no example was counted as a group of accuracy 0"),
    Variant("worst_group_accuracy: the smallest group's accuracy", {"worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    best = None
    for c, k in set(zip(labels.tolist(), backgrounds.tolist())):
        group = (labels == c) & (backgrounds == k)
        if best is None or group.sum() < best[0]:
            best = (group.sum(), float(np.mean(predictions[group] == c)))
    return best[1]
'''}, expect="the accuracy of the smallest group"),
    Variant("flip_rate: counts only predictions that go down", {"flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    a, b = np.asarray(predict(images)), np.asarray(predict(counterfactuals))
    return float(np.mean(a > b))
'''}, expect="only the predictions that go down"),
    Variant("flip_rate: every class above 0 the same", {"flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    a, b = np.asarray(predict(images)), np.asarray(predict(counterfactuals))
    return float(np.mean((a > 0) != (b > 0)))
'''}, expect="every class above 0 was treated as the same"),
]

ALTERNATIVES += [
    Variant("audit: other draw orders and idioms, copyto loops, one predict call, two-branch sigmoid, nll", {
        "make_dataset": '''
def make_dataset(n, p_spurious, seed):
    gen = np.random.default_rng(seed)
    labels = gen.choice(2, size=n).astype(np.int32)
    objects, masks = draw_objects(labels, gen)
    agree = gen.binomial(1, p_spurious, size=n).astype(bool)
    kinds = np.where(agree, labels, 1 - labels).astype(np.int32)
    backgrounds = draw_backgrounds(kinds, gen)
    m = masks[:, None].astype(np.float32)
    return (objects * m + backgrounds * (1 - m)).astype(np.float32), labels, kinds, masks
''',
        "swap_background": '''
def swap_background(images, masks, new_backgrounds):
    out = np.empty_like(new_backgrounds)
    for i in range(len(images)):
        out[i] = new_backgrounds[i]
        np.copyto(out[i], images[i], where=np.broadcast_to(masks[i], images[i].shape))
    return out
''',
        "flip_rate": '''
def flip_rate(predict, images, counterfactuals):
    n = len(images)
    both = np.asarray(predict(np.concatenate([images, counterfactuals])))
    return np.count_nonzero(both[:n] != both[n:]) / n
''',
        "worst_group_accuracy": '''
def worst_group_accuracy(predictions, labels, backgrounds):
    right, total = {}, {}
    for p, c, k in zip(predictions.tolist(), labels.tolist(), backgrounds.tolist()):
        total[(c, k)] = total.get((c, k), 0) + 1
        right[(c, k)] = right.get((c, k), 0) + (p == c)
    return min(right[g] / total[g] for g in total)
''',
        "augment_backgrounds": '''
def augment_backgrounds(images, masks, rng):
    n = len(images)
    land = draw_backgrounds(np.zeros(n, dtype=int), rng)
    water = draw_backgrounds(np.ones(n, dtype=int), rng)
    kinds = rng.random(n) < 0.5
    out = np.where(kinds[:, None, None, None], water, land)
    np.copyto(out, images, where=np.broadcast_to(masks[:, None], images.shape))
    return out.astype(np.float32)
''',
        "train_logistic_regression": '''
def train_logistic_regression(X, y, lr=0.3, steps=300, weight_decay=1e-3):
    X = np.asarray(X, dtype=np.float64)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        z = X @ w + b
        e = np.exp(-np.abs(z))
        p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        dw = X.T @ (p - y) / len(y) + weight_decay * w
        db = float(np.mean(p - y))
        w -= lr * dw
        b -= lr * db
    return w, b
''',
        "predict": '''
def predict(params, X):
    w, b = params
    return np.where(np.einsum("nd,d->n", X, w) + b > 0, 1, 0)
''',
        "train_classifier": '''
def train_classifier(model, images, labels, device, epochs, lr=0.005, batch_size=64, seed=0):
    model = model.to(device)
    model.train()
    X = torch.as_tensor(images, dtype=torch.float32)
    Y = torch.as_tensor(labels).long()
    optimiser = torch.optim.Adam(model.parameters(), lr)
    g = torch.Generator()
    g.manual_seed(seed)
    losses = []
    for _ in progress(range(epochs)):
        total = torch.zeros(())
        for idx in torch.randperm(len(X), generator=g).split(batch_size):
            xb, yb = X[idx].to(device), Y[idx].to(device)
            optimiser.zero_grad(set_to_none=False)
            loss = nn.functional.nll_loss(nn.functional.log_softmax(model(xb), dim=1), yb)
            loss.backward()
            optimiser.step()
            total = total + loss.detach().cpu() * len(idx)
        losses.append(float(total) / len(X))
    return losses
''',
    }),
]
