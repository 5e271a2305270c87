"""Peer process for nnkit's benchmark suite.

Speaks JSON lines on stdin/stdout so the Node runner can time nnkit and a peer alternately in
one run: {"op": "hello"} -> versions of the importable peers; {"op": "setup", "id", "task",
"args"} prepares data (tasks live in tasks_*.py beside this file, registered with @task);
{"op": "run", "id", "inner"} times one sample; {"op": "drop", "id"} frees it.
"""
import glob
import importlib
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from registry import TASKS  # noqa: E402

for path in sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "tasks_*.py"))):
    importlib.import_module(os.path.splitext(os.path.basename(path))[0])


def versions():
    found = {}
    for name in ("numpy", "torch", "sklearn"):
        try:
            module = importlib.import_module(name)
            found[name] = getattr(module, "__version__", "?")
        except Exception:  # a missing peer is reported, not fatal
            pass
    try:
        import torch
        torch.set_num_threads(int(os.environ.get("NNKIT_BENCH_THREADS", "2")))
    except Exception:
        pass
    return found


def main():
    prepared = {}
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        try:
            if op == "hello":
                reply = {"ok": True, "peers": versions()}
            elif op == "setup":
                prepared[request["id"]] = TASKS[request["task"]](request.get("args") or {})
                reply = {"ok": True}
            elif op == "run":
                fn = prepared[request["id"]]
                inner = int(request.get("inner", 1))
                start = time.perf_counter()
                for _ in range(inner):
                    fn()
                reply = {"ok": True, "seconds": (time.perf_counter() - start) / inner}
            elif op == "drop":
                prepared.pop(request["id"], None)
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": "unknown op " + op}
        except Exception as error:  # report to the runner, keep serving
            reply = {"ok": False, "error": "%s: %s" % (type(error).__name__, error),
                     "trace": traceback.format_exc(limit=3)}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
