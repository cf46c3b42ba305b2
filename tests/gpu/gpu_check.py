"""Run the torch tracks on CUDA and compare them with the CPU.

    make gpu-check          (or: python tests/gpu/gpu_check.py)

1. Every lecture and reference solution runs top to bottom, test cells
   included, once with RNN_COURSE_DEVICE=cpu and once with =cuda; the run
   times are printed with their ratio.
2. Parity: the torch-track functions of each solution, given the same
   weights and inputs on both devices, agree to tolerances set from
   measurements (float32 with TF32 off, and float64).

Needs only Python, numpy, torch and matplotlib (no Jupyter), so it also runs
on a bare GPU machine with PYTHONPATH set to the repository root.
Exits 0 when everything agrees, 1 when something differs or fails, and 2
when there is no CUDA device to compare with.
"""

import contextlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from answer_key.oracles.images import make_dataset  # noqa: E402
from tests.notebook_cells import run_cells  # noqa: E402

# float32 CPU vs cuDNN with TF32 off differs by about 1e-5 (CONTRIBUTING.md, Conventions:
# 8.3e-6 measured for nn.RNN at N=32, T=50, H=128); float64 agrees to rounding.
FLOAT32_TOL = 5e-5
FLOAT64_TOL = 1e-10


def run_notebook(path, device):
    """Run one notebook in a fresh interpreter on device; return (ok, seconds, message)."""
    env = dict(os.environ, RNN_COURSE_DEVICE=device, MPLBACKEND="Agg", PYTHONPATH=str(REPO))
    code = "import sys; from tests.notebook_cells import run_cells; run_cells(sys.argv[1])"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(path)], cwd=path.parent, env=env,
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    message = (proc.stderr.strip().splitlines() or [""])[-1]
    return proc.returncode == 0, seconds, message


def parity_01(cuda):
    """last_hidden_states and collate_padded of solution 01 on CPU vs CUDA."""
    with contextlib.redirect_stdout(io.StringIO()):  # the notebook's own prints are not the report
        sol = run_cells(REPO / "solutions" / "01_sequences" / "01_sequences.ipynb", include_tests=False)
    results = {}
    for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
        torch.manual_seed(0)
        rnn_cpu = torch.nn.RNN(64, 128, num_layers=2, batch_first=True, dtype=dtype)
        rnn_gpu = torch.nn.RNN(64, 128, num_layers=2, batch_first=True, dtype=dtype).to(cuda)
        rnn_gpu.load_state_dict(rnn_cpu.state_dict())
        lengths = torch.randint(1, 51, (32,))
        seqs = [torch.randn(int(t), 64, dtype=dtype) for t in lengths]
        padded_cpu, lengths_cpu = sol["collate_padded"](seqs, torch.device("cpu"))
        padded_gpu, lengths_gpu = sol["collate_padded"](seqs, cuda)
        with torch.no_grad():
            h_cpu = sol["last_hidden_states"](rnn_cpu, padded_cpu, lengths_cpu)
            h_gpu = sol["last_hidden_states"](rnn_gpu, padded_gpu, lengths_gpu)
        results[f"last_hidden_states {label} (N=32, T<=50, D=64, H=128, 2 layers)"] = \
            float((h_cpu - h_gpu.cpu()).abs().max())
    return results


def parity_02(cuda):
    """ElmanRNN of solution 02: CPU vs CUDA, and against cuDNN's nn.RNN on the same GPU."""
    with contextlib.redirect_stdout(io.StringIO()):
        sol = run_cells(REPO / "solutions" / "02_elman" / "02_elman.ipynb", include_tests=False,
                        skip=("train_memory_model",))
    results = {}
    for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
        torch.manual_seed(0)
        model = sol["ElmanRNN"](64, 128).to(dtype)
        reference = torch.nn.RNN(64, 128, batch_first=True, dtype=dtype)
        with torch.no_grad():
            model.U.copy_(reference.weight_ih_l0)
            model.W.copy_(reference.weight_hh_l0)
            model.b.copy_(reference.bias_ih_l0 + reference.bias_hh_l0)
        X = torch.randn(32, 50, 64, dtype=dtype)
        with torch.no_grad():
            h_cpu = model(X)[0]
            model_gpu, reference_gpu = model.to(cuda), reference.to(cuda)
            h_gpu = model_gpu(X.to(cuda))[0]
            h_cudnn = reference_gpu(X.to(cuda))[0]
        shape = "(N=32, T=50, D=64, H=128)"
        results[f"ElmanRNN {label} cpu vs cuda {shape}"] = float((h_cpu - h_gpu.cpu()).abs().max())
        results[f"ElmanRNN {label} vs cuDNN nn.RNN on cuda {shape}"] = float((h_gpu - h_cudnn).abs().max())
    return results


def parity_03(cuda):
    """torch_expression_grads and graph_ops of solution 03: CPU vs CUDA."""
    with contextlib.redirect_stdout(io.StringIO()):
        sol = run_cells(REPO / "solutions" / "03_graphs" / "03_graphs.ipynb", include_tests=False)
    worst, same_ops = 0.0, True
    gen = torch.Generator().manual_seed(0)
    for a, b in (torch.randn(50, 2, generator=gen, dtype=torch.float64) * 3).tolist():
        cpu = sol["torch_expression_grads"](a, b, torch.device("cpu"))
        gpu = sol["torch_expression_grads"](a, b, cuda)
        worst = max(worst, max(abs(float(x) - float(y)) for x, y in zip(cpu, gpu, strict=True)))
        ops = []
        for device in (torch.device("cpu"), cuda):
            x = torch.tensor([a, b], device=device, requires_grad=True)
            ops.append(sol["graph_ops"]((torch.tanh(x[0] * x[1]) + x.exp().sum()) ** 2))
        same_ops &= ops[0] == ops[1]
    return {"torch_expression_grads float64, 50 inputs": worst,
            "graph_ops identical on both devices (0 = yes)": 0.0 if same_ops else 1.0}


def parity_05(cuda):
    """SmallCNN of solution 05: logits and parameter gradients on CPU vs CUDA, same weights and images."""
    with contextlib.redirect_stdout(io.StringIO()):
        sol = run_cells(REPO / "solutions" / "05_bias" / "05_bias.ipynb", include_tests=False,
                        skip=("look_at_data", "numpy_experiment", "torch_experiment"))
    images, labels, _, _ = make_dataset(64, 0.95, seed=0)     # one training mini-batch of the assignment
    results = {}
    for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
        torch.manual_seed(0)
        model_cpu = sol["SmallCNN"]().to(dtype)
        model_gpu = sol["SmallCNN"]().to(dtype).to(cuda)
        model_gpu.load_state_dict(model_cpu.state_dict())
        X, y = torch.as_tensor(images, dtype=dtype), torch.as_tensor(labels)
        logits_cpu = model_cpu(X)
        logits_gpu = model_gpu(X.to(cuda))
        torch.nn.functional.cross_entropy(logits_cpu, y).backward()
        torch.nn.functional.cross_entropy(logits_gpu, y.to(cuda)).backward()
        grads = [float((p_cpu.grad - p_gpu.grad.cpu()).abs().max())
                 for p_cpu, p_gpu in zip(model_cpu.parameters(), model_gpu.parameters(), strict=True)]
        shape = "(N=64, 3x16x16 images)"
        results[f"SmallCNN logits {label} {shape}"] = float((logits_cpu - logits_gpu.cpu()).detach().abs().max())
        results[f"SmallCNN parameter gradients {label} {shape}"] = max(grads)
    return results


def parity_capstone(cuda):
    """The capstone's trained Elman and GRU checkpoints: logits of a batch and the validation loss, CPU vs CUDA."""
    sys.path.insert(0, str(REPO / "capstone"))
    import charlm

    text = charlm.read_files(charlm.VALID_FILES)[:20_000]
    results = {}
    for kind in ("rnn", "gru"):
        for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
            models = {}
            for device in ("cpu", cuda):
                model, vocab, _ = charlm.load_checkpoint(charlm.CHECKPOINTS / f"{kind}.pt", device)
                models[str(device)] = model.to(dtype)
            ids = charlm.encode(text, vocab)
            x = torch.from_numpy(ids[:2048].reshape(32, 64))     # windows as long as the measured tolerance's (T=50)
            logits = [models[d](x.to(d))[0].double().cpu() for d in ("cpu", str(cuda))]
            results[f"{kind} logits ({label})"] = (logits[0] - logits[1]).abs().max().item()
            nats = [charlm.evaluate(models[d], ids, d) for d in ("cpu", str(cuda))]
            results[f"{kind} validation nats per character ({label})"] = abs(nats[0] - nats[1])
    return results


def parity_06(cuda):
    """truncated_bptt of solution 06: window losses and trained weights of an nn.GRU and an nn.RNN on CPU vs CUDA."""
    with contextlib.redirect_stdout(io.StringIO()):
        sol = run_cells(REPO / "solutions" / "06_long_memory" / "06_long_memory.ipynb", include_tests=False)
    results = {}
    for kind in ("GRU", "RNN"):
        for dtype, label in [(torch.float32, "float32"), (torch.float64, "float64")]:
            torch.manual_seed(0)
            layer = torch.nn.GRU if kind == "GRU" else torch.nn.RNN
            rnn_cpu, head_cpu = layer(16, 64, batch_first=True, dtype=dtype), torch.nn.Linear(64, 8, dtype=dtype)
            rnn_gpu, head_gpu = layer(16, 64, batch_first=True, dtype=dtype), torch.nn.Linear(64, 8, dtype=dtype)
            rnn_gpu.load_state_dict(rnn_cpu.state_dict())
            head_gpu.load_state_dict(head_cpu.state_dict())
            rnn_gpu, head_gpu = rnn_gpu.to(cuda), head_gpu.to(cuda)
            X, Y = torch.randn(32, 100, 16, dtype=dtype), torch.randint(0, 8, (32, 100))
            losses_cpu = sol["truncated_bptt"](rnn_cpu, head_cpu, X, Y, 25, 0.1)
            losses_gpu = sol["truncated_bptt"](rnn_gpu, head_gpu, X.to(cuda), Y.to(cuda), 25, 0.1)
            shape = "(N=32, T=100, D=16, H=64, 4 windows of 25)"
            results[f"truncated_bptt {kind} losses {label} {shape}"] = \
                max(abs(a - b) for a, b in zip(losses_cpu, losses_gpu, strict=True))
            results[f"truncated_bptt {kind} trained weight_hh_l0 {label} {shape}"] = \
                float((rnn_cpu.weight_hh_l0 - rnn_gpu.weight_hh_l0.cpu()).detach().abs().max())
    return results


PARITY = {"01_sequences": parity_01, "02_elman": parity_02, "03_graphs": parity_03, "05_bias": parity_05,
          "06_long_memory": parity_06, "capstone": parity_capstone}


def main():
    if not torch.cuda.is_available():
        print("gpu-check: no CUDA device here; the torch track ran on the CPU in `make test`. Nothing to compare.")
        return 2
    cuda = torch.device("cuda")
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    print(f"gpu-check on {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    failed = False

    print("\nnotebooks, run top to bottom with their tests (seconds):")
    print(f"  {'notebook':52s} {'cpu':>7s} {'cuda':>7s} {'cpu/cuda':>9s}")
    notebooks = sorted((REPO / "lectures").glob("*.ipynb")) + sorted((REPO / "solutions").glob("*/*.ipynb")) + \
        sorted((REPO / "capstone").glob("*.ipynb"))
    for path in notebooks:
        ok_cpu, t_cpu, msg_cpu = run_notebook(path, "cpu")
        ok_gpu, t_gpu, msg_gpu = run_notebook(path, "cuda")
        name = str(path.relative_to(REPO))
        print(f"  {name:52s} {t_cpu:7.1f} {t_gpu:7.1f} {t_cpu / t_gpu:9.2f}")
        for ok, device, msg in [(ok_cpu, "cpu", msg_cpu), (ok_gpu, "cuda", msg_gpu)]:
            if not ok:
                failed = True
                print(f"    FAILED on {device}: {msg}")

    print("\nparity, max |cpu - cuda| (TF32 off):")
    for assignment, check in sorted(PARITY.items()):
        for what, diff in check(cuda).items():
            tol = FLOAT64_TOL if "float64" in what else FLOAT32_TOL
            verdict = "ok" if diff <= tol else "TOO LARGE"
            failed |= diff > tol
            print(f"  {assignment}: {what}: {diff:.2e} (tolerance {tol:.0e}) {verdict}")

    print("\ngpu-check:", "FAILED" if failed else "all notebooks ran on CUDA and agree with the CPU")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
