"""planlab: the front door — command line, reports and exports."""

__version__ = "0.1.0"
