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


@task("numpy.pca_whiten")
def numpy_pca_whiten(args):
    # The notes' PCA and whitening, with eigh on the symmetric covariance (what the notes'
    # np.linalg.svd(cov) computes, faster); float32 throughout as nnkit.
    import numpy as np
    X0 = _pixels(args["rows"], args["cols"])
    k = args["k"]

    def run():
        X = X0 - np.mean(X0, axis=0)
        cov = np.dot(X.T, X) / X.shape[0]
        S, U = np.linalg.eigh(cov)
        U = U[:, ::-1][:, :k]
        S = S[::-1][:k]
        Xrot = np.dot(X, U)
        return Xrot / np.sqrt(S + 1e-5)
    return run


@task("sklearn.pca_whiten")
def sklearn_pca_whiten(args):
    from sklearn.decomposition import PCA
    X0 = _pixels(args["rows"], args["cols"])
    solver = args.get("solver", "full")
    return lambda: PCA(n_components=args["k"], whiten=True, svd_solver=solver, random_state=0).fit_transform(X0)
