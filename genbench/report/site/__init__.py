"""The static HTML report: ``genbench report`` and ``genbench compare --html``."""
