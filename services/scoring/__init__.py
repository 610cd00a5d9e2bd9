"""scoring: indicators computed from the other services' events, the indices, leaderboards,
grid colours and alerts."""
