"""Leaderboards and exports rendered from stored scores."""
