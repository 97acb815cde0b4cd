"""Helper programs shipped with logwarden (run as ``python -m streams.tools.<name>``)."""
