-- The replay guard keyed by time first: the same signed message has the same timestamp (the
-- digest covers it), so (webhook_timestamp, appliance_id, message_hash) refuses it just as well.
-- New messages then go in at the end of one index instead of at random places in two, and
-- pruning deletes the oldest range of it.
ALTER TABLE signed_messages DROP CONSTRAINT signed_messages_pkey;
DROP INDEX signed_messages_by_timestamp;
ALTER TABLE signed_messages ADD PRIMARY KEY (webhook_timestamp, appliance_id, message_hash)
