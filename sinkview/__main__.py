"""Entry point of ``python -m sinkview``."""

import sys

from sinkview.tools.cli import main

sys.exit(main())
