"""numpy / scikit-learn timings for the issue-3 targets (run with /usr/bin/python3).
   flock /tmp/nnkit-cpu.lock /usr/bin/python3 bench/linalg_peers.py [what...]"""
import statistics, sys, time
import numpy as np

reps = 3
which = sys.argv[1:]
want = lambda n: not which or n in which

def timeit(label, fn, n=reps):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    print(f"{label:48s} median {statistics.median(ts):.3f} s  ({', '.join(f'{t:.3f}' for t in ts)})", flush=True)

if want('covariance') or want('eigh') or want('rsvd'):
    N, D = 50000, 3072
    rng = np.random.default_rng(1)
    X = (128 + rng.standard_normal((N, D), dtype=np.float32) * (1 + 40 / (1 + np.arange(D, dtype=np.float32)))).astype(np.float32)
    if want('covariance'):
        def cov():
            Xc = X - X.mean(axis=0)
            return Xc.T @ Xc / N
        timeit('numpy Xc.T @ Xc / N (incl. centering)', cov)
    if want('eigh'):
        Xc = X - X.mean(axis=0); C = (Xc.T @ Xc / N).astype(np.float32); del Xc
        timeit('numpy eigh 3072 (float32 in)', lambda: np.linalg.eigh(C))
        timeit('numpy svd(cov) 3072', lambda: np.linalg.svd(C), 1)
    if want('rsvd'):
        from sklearn.decomposition import PCA
        timeit("sklearn PCA(100, 'randomized').fit", lambda: PCA(100, svd_solver='randomized', random_state=0).fit(X))

if want('eigh784'):
    x = np.random.default_rng(1).standard_normal((2000, 784)).astype(np.float32)
    c = np.cov(x, rowvar=False, bias=True).astype(np.float32)
    timeit('numpy eigh 784', lambda: np.linalg.eigh(c), 5)
