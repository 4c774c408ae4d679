"""`python -m cryptodata.cli`."""

import sys

from .main import main

sys.exit(main())
