"""Registry of peer tasks: @task('numpy.sgemm') on a function args -> zero-argument callable."""
TASKS = {}


def task(name):
    def register(fn):
        TASKS[name] = fn
        return fn
    return register
