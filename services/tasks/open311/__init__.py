"""Open311 GeoReport v2 face of the villager mailbox."""
