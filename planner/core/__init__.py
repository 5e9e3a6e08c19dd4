"""Foundations every stage uses: geodesy and the local metric frame, flight physics, Dubins paths,
TOML field validation and the error tree. Imports nothing else of the planner."""
