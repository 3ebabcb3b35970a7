"""`python -m mixitup`: the same as the `mixitup` command."""

import sys

from mixitup.cli import main

sys.exit(main())
