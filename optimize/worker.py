"""Entry point of a solver worker process: ``python -m optimize.worker PARENT_PID``.

Kept apart from :mod:`optimize.solve` so that what the worker sends back
pickles under its real module name.
"""

import sys

from optimize.solve import serve

if __name__ == "__main__":
    serve(int(sys.argv[1]) if len(sys.argv) > 1 else None)
