"""`python -m app` is the `augur` command."""

from app.cli import main

main()
