-- The outbox leases due notices oldest first. With an index on (status, next_attempt_at) every
-- pass sorted the whole backlog of pending notices while holding the write lock. Walking the
-- pending notices in id order stops after one pass's worth instead.
DROP INDEX notices_due;
CREATE INDEX notices_pending ON notices (notice_id) WHERE status = 'pending';
