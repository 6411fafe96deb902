"""`python app.py [flags]` is `python -m rag serve [flags]`: the chat page at /, the API under /v1 (rag/server.py)."""

import sys

from rag.frontends.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]], prog_name="python -m rag")
