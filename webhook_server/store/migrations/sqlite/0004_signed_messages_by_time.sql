-- The replay guard keyed by time first: the same signed message has the same timestamp (the
-- digest covers it), so (webhook_timestamp, appliance_id, message_hash) refuses it just as well.
-- New messages then go in at the end of one B-tree instead of at random places in three (the
-- rows, the key on appliance and hash, and an index on time), and pruning deletes the oldest
-- range of the same tree.
CREATE TABLE signed_messages_by_time (
    webhook_timestamp INTEGER NOT NULL,
    appliance_id TEXT NOT NULL,
    message_hash TEXT NOT NULL,
    PRIMARY KEY (webhook_timestamp, appliance_id, message_hash)
) WITHOUT ROWID;
INSERT INTO signed_messages_by_time (webhook_timestamp, appliance_id, message_hash)
    SELECT webhook_timestamp, appliance_id, message_hash FROM signed_messages;
DROP TABLE signed_messages;
ALTER TABLE signed_messages_by_time RENAME TO signed_messages
