"""routingkit: staffing models, simulation and safe routing deployment for Genesys Cloud."""

__version__ = "0.1.0"
