"""Tasks sent down to villages: matter catalogue, screening, review, dispatch, assignments,
the automatic ledger and statistics (Shaoxing's 浙里兴村治社)."""
