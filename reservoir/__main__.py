"""``python -m reservoir``: the same command line as the ``reservoir`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
