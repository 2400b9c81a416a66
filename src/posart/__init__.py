"""posart: find, trace and remove positional artefacts in transformer hidden states."""

__version__ = "0.1.0"
