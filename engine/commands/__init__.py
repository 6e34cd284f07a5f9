"""One module per command: ``register(sub, common)`` adds the parser and its ``handler``."""
