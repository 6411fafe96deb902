"""Backends behind the core's seams: embedders, generators (llama.cpp, a remote server), stores, readers.

Each is swappable through a small Protocol; none of them knows about questions, answers or front ends.
"""
