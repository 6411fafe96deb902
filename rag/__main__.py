"""`python -m rag`: the command line entry point."""

from .frontends.cli import main

main(prog_name="python -m rag")
