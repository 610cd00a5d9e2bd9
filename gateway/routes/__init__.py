"""Route mixins, one module per area; gateway.service composes them into one nameko service."""
