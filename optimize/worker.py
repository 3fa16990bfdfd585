"""Entry point of a solver worker process: ``python -m optimize.worker``.

Kept apart from :mod:`optimize.solve` so that what the worker sends back
pickles under its real module name.
"""

from optimize.solve import serve

if __name__ == "__main__":
    serve()
