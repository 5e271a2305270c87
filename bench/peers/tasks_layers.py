"""Peers of the issue 5 workloads: He init, BatchNorm1d and dropout in PyTorch (training mode)."""
from registry import task


@task("torch.kaiming_normal_")
def torch_kaiming_normal(args):
    import torch
    w = torch.empty(args["rows"], args["cols"])
    return lambda: torch.nn.init.kaiming_normal_(w, nonlinearity="relu")


@task("torch.batchnorm1d_train")
def torch_batchnorm1d_train(args):
    import torch
    n, d = args["rows"], args["cols"]
    bn = torch.nn.BatchNorm1d(d)
    bn.train()
    x = torch.randn(n, d, requires_grad=True)
    dy = torch.randn(n, d)

    def step():
        x.grad = None
        bn.weight.grad = None
        bn.bias.grad = None
        bn(x).backward(dy)
    return step


@task("torch.dropout_train")
def torch_dropout_train(args):
    import torch
    import torch.nn.functional as F
    n, d = args["rows"], args["cols"]
    drop = 1.0 - args["keep_prob"]  # PyTorch's p is the probability of dropping
    x = torch.randn(n, d, requires_grad=True)
    dy = torch.randn(n, d)

    def step():
        x.grad = None
        F.dropout(x, drop, training=True).backward(dy)
    return step
