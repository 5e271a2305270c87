"""Peers of the foundation workloads: sgemm and normal fills."""
from registry import task


@task("numpy.sgemm")
def numpy_sgemm(args):
    import numpy as np
    m, n, k = args["m"], args["n"], args["k"]
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    return lambda: np.matmul(a, b, out=out)


@task("torch.sgemm")
def torch_sgemm(args):
    import torch
    m, n, k = args["m"], args["n"], args["k"]
    a, b = torch.randn(m, k), torch.randn(k, n)
    out = torch.empty(m, n)
    return lambda: torch.matmul(a, b, out=out)


@task("numpy.normal")
def numpy_normal(args):
    import numpy as np
    rng = np.random.default_rng(1)
    out = np.empty((args["rows"], args["cols"]), dtype=np.float32)
    return lambda: rng.standard_normal(out=out, dtype=np.float32)


@task("torch.normal_")
def torch_normal(args):
    import torch
    t = torch.empty(args["rows"], args["cols"])
    return lambda: torch.nn.init.normal_(t)
