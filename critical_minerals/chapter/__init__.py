"""Chapter: what a chapter needs to run, alone or in the build — the rules of its parameters
(notebooks/parameters.yaml), where it writes and its results file. The engine uses it too; it imports only core and
sources.
"""
