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
    right = last_hidden_states(rnn, padded, lengths)
    with torch.no_grad():
        output, h_n = rnn(padded)
        packed = torch.nn.utils.rnn.pack_padded_sequence(padded, lengths.cpu(), batch_first=True,
                                                         enforce_sorted=False)
        packed_output, h_packed = rnn(packed)
        unpacked, _ = torch.nn.utils.rnn.pad_packed_sequence(packed_output, batch_first=True,
                                                             total_length=padded.shape[1])
    by_length = torch.argsort(-lengths.cpu(), stable=True).to(right.device)
    mistakes = {
        "padding steps were run through the RNN: the state after the last *padded* step was returned, "
        "not the state at each sequence's true last step (pack the batch with its lengths)": output[:, -1],
        "the output at the last padded position was read after pad_packed_sequence: it is zero for every "
        "sequence shorter than T_max (read the step at lengths - 1, or h_n[-1])": unpacked[:, -1],
        "the rows are in the order of the sorted lengths: put them back in the batch's order "
        "(enforce_sorted=False does that for you)": right[by_length],
    }
    if rnn.num_layers > 1:
        mistakes["h_n[0] is the bottom layer's state; the top layer's is h_n[-1]"] = h_packed[0]
    return {description: value for description, value in mistakes.items()
            if value.shape != right.shape or not torch.allclose(value, right, atol=1e-4)}
