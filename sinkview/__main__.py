"""Entry point of ``python -m sinkview``."""

import sys

from sinkview.cli import main

sys.exit(main())
