"""Peers of the issue 18 workloads: numpy reading a .npy file in batches and converting columns to rows."""
from registry import task


@task("numpy.npy_batches")
def numpy_npy_batches(args):
    import numpy as np
    path, batch = args["path"], args["batch"]

    def run():
        a = np.load(path, mmap_mode="r")
        rows = 0
        for i in range(0, a.shape[0], batch):
            b = np.array(a[i:i + batch], dtype=np.float32)  # a batch in memory, as nnkit yields it
            rows += b.shape[0]
        return rows
    return run


@task("numpy.columns_to_rows")
def numpy_columns_to_rows(args):
    import numpy as np
    n, d = args["rows"], args["cols"]
    a = np.asfortranarray(np.arange(n * d, dtype=np.float64).reshape(n, d) % 1000 / 7)
    return lambda: np.ascontiguousarray(a, dtype=np.float32)
