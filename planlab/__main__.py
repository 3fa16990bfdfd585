"""``python -m planlab``: the same as the ``planlab`` command."""

import sys

from planlab.cli import main

sys.exit(main())
