"""tasks: the matter catalogue, screening, review and dispatch, claims and handling,
the escalation ladder, visit lists and visits, the mailbox, procedures, the project board."""
