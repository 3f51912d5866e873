-- Replay guard: every signed request received, kept while its webhook-timestamp is within the
-- tolerance. message_hash is the SHA-256 of the signed content (id.timestamp.body), so the
-- primary key refuses the same signed message twice, whichever process receives it.
CREATE TABLE signed_messages (
    appliance_id TEXT NOT NULL,
    message_hash TEXT NOT NULL,
    webhook_timestamp BIGINT NOT NULL,
    PRIMARY KEY (appliance_id, message_hash)
);
CREATE INDEX signed_messages_by_timestamp ON signed_messages (webhook_timestamp);
