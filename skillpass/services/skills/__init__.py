"""Skills frameworks, self-assessment, targets and gaps (PRODUCT.md §6.5).

``levels`` is the level rule as a pure function; ``standing`` works out, for many people at once and in a
fixed number of queries, each area's self-assessed, confirmed and exempt levels, the target and the gap.
"""
