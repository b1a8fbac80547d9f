"""`python -m bench` (make bench)."""

from . import main

raise SystemExit(main())
