"""Fictional sample data: documentation address ranges and example domains only."""
