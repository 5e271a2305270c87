"""Peers of the linear-algebra workloads: covariance, eigh, svd(cov), scikit-learn's randomized PCA.
The large data matrix is generated once per shape and shared by the tasks that use it."""
from registry import task

_cache = {}


def _data(rows, cols):
    """Pixel-like float32 data shaped like nnkit's workload (offset 128, decaying column scales)."""
    import numpy as np
    key = ("x", rows, cols)
    if key not in _cache:
        _cache.clear()  # one large matrix at a time
        rng = np.random.default_rng(1)
        x = rng.standard_normal((rows, cols), dtype=np.float32)
        x *= (1 + 40 / (1 + np.arange(cols, dtype=np.float32)))
        x += 128
        _cache[key] = x
    return _cache[key]


def _covariance(rows, cols):
    import numpy as np
    key = ("cov", rows, cols)
    if key not in _cache:
        x = _data(rows, cols)
        xc = x - x.mean(axis=0)
        _cache[key] = (xc.T @ xc / rows).astype(np.float32)
    return _cache[key]


@task("numpy.covariance")
def numpy_covariance(args):
    rows, cols = args["rows"], args["cols"]
    x = _data(rows, cols)

    def run():
        xc = x - x.mean(axis=0)
        return xc.T @ xc / rows
    return run


@task("numpy.eigh_covariance")
def numpy_eigh_covariance(args):
    import numpy as np
    c = _covariance(args["rows"], args["cols"])
    return lambda: np.linalg.eigh(c)


@task("numpy.svd_covariance")
def numpy_svd_covariance(args):
    import numpy as np
    c = _covariance(args["rows"], args["cols"])
    return lambda: np.linalg.svd(c)


@task("numpy.eigh_random_covariance")
def numpy_eigh_random_covariance(args):
    import numpy as np
    x = np.random.default_rng(3).standard_normal((args["rows"], args["cols"])).astype(np.float32)
    c = np.cov(x, rowvar=False, bias=True).astype(np.float32)
    return lambda: np.linalg.eigh(c)


@task("sklearn.pca_randomized")
def sklearn_pca_randomized(args):
    from sklearn.decomposition import PCA
    x = _data(args["rows"], args["cols"])
    return lambda: PCA(args["components"], svd_solver="randomized", random_state=0).fit(x)
