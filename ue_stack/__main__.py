"""``python -m ue_stack ...`` is ``ue-stack ...``."""

import sys

from .cli import main

sys.exit(main())
