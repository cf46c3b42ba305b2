"""Assignment 01, torch track: references and known mistakes (imports torch)."""

import torch


def collate_padded(batch, device):
    lengths = torch.tensor([len(seq) for seq in batch], dtype=torch.int64)
    t_max = int(lengths.max()) if len(batch) else 0
    feature_shape = tuple(batch[0].shape[1:]) if len(batch) else ()
    padded = torch.zeros((len(batch), t_max) + feature_shape, dtype=batch[0].dtype if batch else torch.float32)
    for i, seq in enumerate(batch):
        padded[i, : len(seq)] = seq
    return padded.to(device), lengths


def last_hidden_states(rnn, padded, lengths):
    """Each sequence run alone, without its padding: the definition of the right answer."""
    states = []
    with torch.no_grad():
        for i, length in enumerate(lengths.tolist()):
            _, h_n = rnn(padded[i : i + 1, :length])
            states.append(h_n[-1, 0])
    return torch.stack(states)


def last_hidden_states_mistakes(rnn, padded, lengths):
    with torch.no_grad():
        output, h_n = rnn(padded)
    mistakes = {
        "padding steps were run through the RNN: the state after the last *padded* step was returned, "
        "not the state at each sequence's true last step (pack the batch with its lengths)": output[:, -1],
    }
    if rnn.num_layers > 1:
        packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths.cpu(), batch_first=True,
                                                         enforce_sorted=False)
        with torch.no_grad():
            _, h_packed = rnn(packed)
        mistakes["h_n[0] is the bottom layer's state; the top layer's is h_n[-1]"] = h_packed[0]
    return mistakes
