"""Front ends: the CLI and the one server (API and page). They parse input and format output.

They call the core through `rag.api` (and its types); they hold no answer logic of their own.
"""
