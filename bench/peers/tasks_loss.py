"""Peers of the loss and regularization workloads: PyTorch's fused losses (forward + backward)
and a numpy softmax cross-entropy, on the same shapes as bench/workloads/loss.ts."""
from registry import task


def _scores(args):
    import numpy as np
    rng = np.random.default_rng(1)
    n, c = args["rows"], args["cols"]
    x = rng.standard_normal((n, c), dtype=np.float32) * 3
    y = rng.integers(0, c, size=n)
    return x, y


def _torch_loss(args, loss_fn, targets):
    import torch
    x_np, y_np = _scores(args)
    x = torch.from_numpy(x_np).requires_grad_(True)
    if targets == "labels":
        t = torch.from_numpy(y_np).long()
    else:
        t = (torch.rand(x.shape) < 0.5).float()

    def run():
        x.grad = None
        loss = loss_fn(x, t)
        loss.backward()
        return loss.item()
    return run


@task("torch.cross_entropy")
def torch_cross_entropy(args):
    import torch.nn.functional as F
    return _torch_loss(args, F.cross_entropy, "labels")


@task("torch.multi_margin_loss")
def torch_multi_margin(args):
    import torch.nn.functional as F
    return _torch_loss(args, F.multi_margin_loss, "labels")


@task("torch.bce_with_logits")
def torch_bce(args):
    import torch.nn.functional as F
    return _torch_loss(args, F.binary_cross_entropy_with_logits, "multilabel")


@task("numpy.softmax_cross_entropy")
def numpy_softmax(args):
    import numpy as np
    x, y = _scores(args)
    n = x.shape[0]
    rows = np.arange(n)

    def run():
        m = x.max(axis=1, keepdims=True)
        e = np.exp(x - m)
        s = e.sum(axis=1, keepdims=True)
        loss = float((np.log(s[:, 0]) + m[:, 0] - x[rows, y]).mean())
        g = e / s
        g[rows, y] -= 1
        g /= n
        return loss
    return run


@task("torch.softmax_small")
def torch_softmax_small(args):
    import torch
    import torch.nn.functional as F
    x_np, y_np = _scores(args)
    x = torch.from_numpy(x_np).requires_grad_(True)
    y = torch.from_numpy(y_np).long()

    def run():
        x.grad = None
        loss = F.cross_entropy(x, y)
        loss.backward()
        return loss.item()
    return run


@task("torch.l2_penalty")
def torch_l2(args):
    import torch
    n = args["n"]
    w = torch.randn(n, n)
    g = torch.zeros(n, n)
    lam = 1e-3

    def run():
        penalty = 0.5 * lam * (w * w).sum()
        g.add_(w, alpha=lam)
        return penalty.item()
    return run


@task("torch.max_norm")
def torch_max_norm(args):
    import torch
    n = args["n"]
    w = torch.randn(n, n)
    state = {"c": 3.0}

    # c shrinks a little every call so every column is clipped every time (full work), as in
    # the nnkit workload. renorm_ over dim 1 constrains each column.
    def run():
        state["c"] *= 0.999
        w.renorm_(2, 1, state["c"])
    return run


@task("torch.l2_penalty_autograd")
def torch_l2_autograd(args):
    """The penalty as a PyTorch user writes it: ½λ‖W‖² in the graph, backward() accumulating λW into W.grad."""
    import torch
    n = args["n"]
    w = torch.randn(n, n, requires_grad=True)
    lam = 1e-3

    def run():
        penalty = 0.5 * lam * (w * w).sum()
        penalty.backward()
        return penalty.item()
    return run


@task("torch.max_norm_manual")
def torch_max_norm_manual(args):
    import torch
    n = args["n"]
    w = torch.randn(n, n)
    state = {"c": 3.0}

    def run():
        state["c"] *= 0.999
        norms = w.norm(dim=0, keepdim=True)
        w.mul_(torch.clamp(state["c"] / norms, max=1.0))
    return run
