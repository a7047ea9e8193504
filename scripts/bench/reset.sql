-- Between load runs: every seat sold again, the logs emptied, the tables vacuumed and
-- a checkpoint taken, so each run starts from the same database.
UPDATE seats SET status = 'SOLD', checked_in_at = NULL, checked_in_terminal_id = NULL,
                 checked_in_staff_id = NULL, revision = revision + 1
 WHERE status = 'CHECKED_IN';
TRUNCATE entry_logs, seat_history;
VACUUM ANALYZE seats;
VACUUM ANALYZE entry_logs;
VACUUM ANALYZE seat_history;
CHECKPOINT;
