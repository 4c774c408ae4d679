"""`python -m cryptodata`: the `cryptodata` command."""

import sys

from cryptodata.cli.main import main

sys.exit(main())
