"""`python -m rotor`."""

from rotor.cli import main

raise SystemExit(main())
