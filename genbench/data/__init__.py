"""Datasets genbench ships or reads: embedded data, folders of samples, verified files."""
