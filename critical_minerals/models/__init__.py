"""Models: one subpackage per chapter's analysis, each split by concern (`model`, and `validation`, `tables`, `text`
where a chapter has them). Models read the tidy tables and sources; they never import figures, the report or the
engine.
"""
