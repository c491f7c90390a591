"""OmniGen: a prescription-drug brief in, a compliant video ad out."""

__version__ = "0.1.0"
