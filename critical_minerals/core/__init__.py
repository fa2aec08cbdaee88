"""Core: what every layer uses and that knows nothing of the subject — project paths, the one error type, content
digests, number and table formatting, reduced PNG copies. Imports nothing else of the package.
"""
