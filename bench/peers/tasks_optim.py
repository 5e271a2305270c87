"""Peers of the issue 17 optimizer workloads: one step of a torch.optim optimizer on a CPU tensor."""
from registry import task


@task("torch.optim_step")
def torch_optim_step(args):
    import torch
    w = torch.nn.Parameter(torch.randn(args["rows"], args["cols"]) * 0.05)
    w.grad = torch.randn(args["rows"], args["cols"]) * 1e-3
    lr = 1e-4 if args["optimizer"] == "RMSprop" else 1e-3
    opt = getattr(torch.optim, args["optimizer"])([w], lr=lr, **args["options"])
    return opt.step
