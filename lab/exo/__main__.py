"""Entry point for ``python -m lab.exo``."""

import sys

from .cli import main

sys.exit(main())
