"""Analysis: findings (level, trend vs noise, band, rank, episodes), the facts and rules of
recommendations, when work happens. Reads arrays and the metric table; never the store."""
