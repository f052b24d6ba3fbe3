"""Syncing many repositories on many machines with a distributed task engine (procrastinate on
the store's own PostgreSQL): ``jobs`` (the tasks, their locks, retries and periodic schedule),
``tokens`` (which server token a job uses, with its shared rate budget), ``queue`` (what the
queue holds, for the Data page and ``casestudy queue``). Without the engine, ``sync-all`` syncs
the list one repository after another, as before."""
