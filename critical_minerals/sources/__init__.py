"""Sources: the official datasets (registry, fetch and verify) and the readers of each publisher's files (USGS world,
salient and trends tables; World Bank and IMF prices), the hand-written tables of data/ and their one reader,
countries, units, the U.S. critical-minerals lists and paper A's tables. Each reader returns a validated tidy
DataFrame.
"""
