"""citystat: open, data-driven performance management for cities."""

__version__ = "0.1.0"
