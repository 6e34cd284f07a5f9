"""cdt-companion: judge dental claim lines for CDT D9961 against a declarative knowledge base."""

__version__ = "0.1.0"
