"""Work in the field: monthly visit lists and visits, household ratings, the escalation
ladder, the villager mailbox and alerts (Quzhou's 浙里党群心联心)."""
