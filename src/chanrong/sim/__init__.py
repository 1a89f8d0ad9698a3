"""Simulated data for the demo and the tests."""
