"""Peers of the preprocessing workloads: the notes' numpy code, verbatim where it exists."""
from registry import task


def _pixels(rows, cols, seed=1):
    import numpy as np
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, size=(rows, cols)).astype(np.float32)


@task("numpy.standardize")
def numpy_standardize(args):
    # The notes: X -= np.mean(X, axis=0); X /= np.std(X, axis=0), in place on float32.
    import numpy as np
    X = _pixels(args["rows"], args["cols"])

    def run():
        nonlocal X
        X -= np.mean(X, axis=0)
        X /= np.std(X, axis=0)
    return run


def _spectrum(rows, cols, rank=256, seed=1):
    # Pixel-like data with a decaying spectrum (as natural images): 128 + Z·diag(s)·B + noise.
    import numpy as np
    rng = np.random.default_rng(seed)
    s = (40.0 / np.sqrt(1.0 + np.arange(rank))).astype(np.float32)
    Z = rng.standard_normal((rows, rank), dtype=np.float32) * s
    B = rng.standard_normal((rank, cols), dtype=np.float32) / np.float32(np.sqrt(cols))
    X = np.dot(Z, B)
    X += rng.standard_normal((rows, cols), dtype=np.float32)
    X += np.float32(128)
    return X


@task("numpy.pca_whiten")
def numpy_pca_whiten(args):
    # The notes' code verbatim (float32 as nnkit): center, covariance, svd, project, whiten.
    import numpy as np
    X0 = _spectrum(args["rows"], args["cols"])
    k = args["k"]

    def run():
        X = X0 - np.mean(X0, axis=0)
        cov = np.dot(X.T, X) / X.shape[0]
        U, S, V = np.linalg.svd(cov)
        Xrot_reduced = np.dot(X, U[:, :k])
        return Xrot_reduced / np.sqrt(S[:k] + 1e-5)
    return run


@task("sklearn.pca_whiten")
def sklearn_pca_whiten(args):
    from sklearn.decomposition import PCA
    X0 = _spectrum(args["rows"], args["cols"])
    solver = args.get("solver", "full")
    return lambda: PCA(n_components=args["k"], whiten=True, svd_solver=solver, random_state=0).fit_transform(X0)
