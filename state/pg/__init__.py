"""The PostgreSQL store: the same contract as the SQLite one (state/store_api.py)
over the same tables, for platforms whose disk does not outlive a restart and
for several processes on one database. Only these modules import asyncpg."""
