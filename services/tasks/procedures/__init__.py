"""Village procedures (五议两公开, 村务联席会议), the tamper-evident ledger chain, and the
project board (揭榜): one capability of the tasks service."""
