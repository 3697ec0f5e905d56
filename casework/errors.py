"""The one refusal every service raises: the write cannot be done, and the message says why.

It sits at the bottom of the house so that every layer (obligations, the life cycle's branches,
the pages) raises and catches the same exception without importing anything above it.
"""


class RecordRefused(Exception):
    """The record cannot be saved; the message says why, in the user's language."""
