"""Values that several layers share; a rule's constants live with the rule."""

# REFNIS codes the product names: the Flemish Region (every share "of Flanders") and the province it is made for.
FLANDERS = "02000"
WEST_VLAANDEREN = "30000"
# The `level` of a region grouping in exports and the API (regions have gewest, provincie, arrondissement, gemeente).
GROUPING_LEVEL = "regio-indeling"
# A text cell starting with one of these is a formula to a spreadsheet: imports refuse it, exports escape it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The most persons one headcount can hold: the column is a PostgreSQL integer.
MAX_PERSONS = 2_147_483_647
# Full-time equivalents of one headcount stay below this: the column is numeric(12, 2).
MAX_FTE = 10**10
