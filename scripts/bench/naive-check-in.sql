-- The naive check-in, as a straightforward implementation writes it: five statements,
-- five round trips, one transaction. scripts/bench.sh load runs it with pgbench on the
-- same database and schema as inventory-server, as the ceiling to measure against.
-- :seats is set by the script (-D seats=N); seat ids follow `bench venue N --sold`.
\set i random(0, :seats - 1)
\set section 1 + :i / 500
\set row 1 + (:i % 500) / 25
\set number 1 + :i % 25
BEGIN;
SELECT status, revision FROM seats
 WHERE seat_id = 'arena-night.s' || :section || '.R' || :row || '.' || :number FOR UPDATE;
UPDATE seats SET status = 'CHECKED_IN', checked_in_at = now(), checked_in_terminal_id = 'pgbench',
                 checked_in_staff_id = 'pgbench', revision = revision + 1, updated_at = now()
 WHERE seat_id = 'arena-night.s' || :section || '.R' || :row || '.' || :number;
INSERT INTO entry_logs (seat_id, scanned_by_staff_id, terminal_id, action, result, reason, message,
                        hall_id_presented, hall_id_expected)
VALUES ('arena-night.s' || :section || '.R' || :row || '.' || :number, 'pgbench', 'pgbench', 'ADMIT',
        'SUCCESS', 'valid', 'Welcome', 'arena', 'arena');
COMMIT;
