"""resolver: entity resolution and sanctions screening for trade-compliance records."""

__version__ = "0.1.0"
