"""Tests of the manufacturer service."""
