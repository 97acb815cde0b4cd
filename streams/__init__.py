"""logwarden: stream processing for AWS logs."""

__version__ = "0.1.0"
