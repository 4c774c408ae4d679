"""`python -m cryptodata.cli` (also `python -m cryptodata`)."""

import sys

from .main import main

sys.exit(main())
