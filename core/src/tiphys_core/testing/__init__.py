"""Test support for plugin authors (imported by tests only; needs pytest)."""
