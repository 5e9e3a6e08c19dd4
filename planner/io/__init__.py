"""Readers and writers: the only modules that open files."""
