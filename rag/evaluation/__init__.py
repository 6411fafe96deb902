"""Evaluation and benchmarks: question sets scored, speed measured. Not on the answer path."""
