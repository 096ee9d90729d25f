"""Errors the engine reports to a person: what is wrong, in words, never a traceback."""


class EngineError(Exception):
    """A calculation cannot proceed: bad data or a plan the data cannot satisfy."""
