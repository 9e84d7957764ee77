"""Measure computation: declarative specs checked against a dataset, compiled to Ibis."""
