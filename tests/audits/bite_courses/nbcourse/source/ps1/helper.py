"""Provided code that sits beside the notebooks."""


def double(x):
    return 2 * x
