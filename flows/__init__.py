"""Thin Prefect flows: they wire :mod:`pipeline` functions into tasks and decide states."""
