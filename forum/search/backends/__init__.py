"""Search backends: one per database vendor, behind ``forum.search.backends.base``."""
