"""ca3: stand up, prove and operate the conveyor streaming pipeline on Kubernetes."""

__version__ = "0.1.0"
