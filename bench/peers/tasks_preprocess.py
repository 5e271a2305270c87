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



def _randomized_svd(M, k, oversamples, n_iter, seed):
    # scikit-learn 1.2's randomized_svd and randomized_range_finder (Halko et al. 2011),
    # transcribed to plain numpy so it runs on the machine's numpy 2.x, which has no scikit-learn
    # or SciPy: a Gaussian test matrix, n_iter power iterations, QR, the small SVD of Q^T M.
    # scikit-learn's power_iteration_normalizer='auto' normalizes nothing for n_iter <= 2 (the
    # case benchmarked) and by LU beyond; NumPy has no LU, so QR stands in there (the same range).
    import numpy as np
    rng = np.random.default_rng(seed)
    l = k + oversamples
    Q = rng.standard_normal((M.shape[1], l), dtype=np.float32)
    for _ in range(n_iter):
        Q = M @ Q
        if n_iter > 2:
            Q, _r = np.linalg.qr(Q)
        Q = M.T @ Q
        if n_iter > 2:
            Q, _r = np.linalg.qr(Q)
    Q, _r = np.linalg.qr(M @ Q)
    B = Q.T @ M
    Uhat, S, Vt = np.linalg.svd(B, full_matrices=False)
    return (Q @ Uhat)[:, :k], S[:k], Vt[:k]


@task("numpy.pca_whiten_randomized")
def numpy_pca_whiten_randomized(args):
    # scikit-learn's randomized PCA as it runs (center, randomized_svd), then the notes'
    # projection and whitening, with nnkit's oversampling (10) and power iterations (2).
    import numpy as np
    X0 = _spectrum(args["rows"], args["cols"])
    k = args["k"]

    def run():
        X = X0 - np.mean(X0, axis=0)
        _u, S, Vt = _randomized_svd(X, k, args.get("oversamples", 10), args.get("n_iter", 2), 0)
        Xrot_reduced = X @ Vt.T
        return Xrot_reduced / np.sqrt(S * S / X.shape[0] + 1e-5)
    return run
