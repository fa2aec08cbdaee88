"""Engine: the build — command line, parameter declarations, the plan of steps and their cache keys, the runner, cache,
atomic publishing, provenance, variants, explanations, failures and the pre-flight environment check. Nothing
outside the engine imports it; its __init__ imports nothing (build.py imports `engine.environment` before anything
the environment may lack).
"""
