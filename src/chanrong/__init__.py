"""chanrong (产融): real-time production-operations data for SME credit and orders."""

__version__ = "0.1.0"
