"""``python -m engine`` is the same as the ``cdt-companion`` command."""

import sys

from .cli import main

sys.exit(main())
