"""coordlab's version, in a module of its own.

Any part of coordlab reads it from here without importing the package root (which imports
everything, so importing it from inside would be an import cycle).
"""

__version__ = "0.1.0"
