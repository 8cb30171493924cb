"""Browser fixtures (browser, new_page, artifacts) live in tests/conftest.py."""
