"""Payload schemas that cross the bus: what the gateway validates and documents, and
what the owning service loads and dumps. One module per service."""
