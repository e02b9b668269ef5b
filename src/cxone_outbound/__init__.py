"""cxone-outbound: the data work of NICE CXone outbound campaigns, safely and fast."""

from cxone_outbound._version import __version__

__all__ = ["__version__"]
