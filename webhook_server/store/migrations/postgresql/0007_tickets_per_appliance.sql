-- Ticket ids are the appliances' own (fault episode ids): one appliance's id says nothing about
-- another's, so a ticket is keyed by its appliance and its id, with what the console searches
-- and sorts by (serial, contact, deadline). Appointments and customer messages refer to a ticket
-- by both columns. The "notices" are the customer messages: the SMS, and the facts the e-mail is
-- written from.
ALTER TABLE tickets ADD COLUMN serial TEXT;
ALTER TABLE tickets ADD COLUMN contact_key TEXT;
ALTER TABLE tickets ADD COLUMN deadline BIGINT;
UPDATE tickets SET
    serial = payload::jsonb #>> '{appliance,serial}',
    contact_key = lower(replace(replace(replace(replace(replace(
        payload::jsonb #>> '{customer,contact}', ' ', ''), '-', ''), '(', ''), ')', ''), '.', '')),
    deadline = EXTRACT(EPOCH FROM (triage::jsonb ->> 'deadline')::timestamptz)::bigint;
ALTER TABLE tickets ALTER COLUMN serial SET NOT NULL;
ALTER TABLE tickets ALTER COLUMN deadline SET NOT NULL;
ALTER TABLE appointments ADD COLUMN appliance_id TEXT;
UPDATE appointments a SET appliance_id = t.appliance_id FROM tickets t
    WHERE t.ticket_id = a.ticket_id;
ALTER TABLE appointments ALTER COLUMN appliance_id SET NOT NULL;
ALTER TABLE appointments DROP CONSTRAINT appointments_ticket_id_fkey;
ALTER TABLE appointments DROP CONSTRAINT appointments_ticket_id_key;
ALTER TABLE notices RENAME TO customer_messages;
ALTER TABLE customer_messages RENAME COLUMN notice_id TO message_id;
ALTER TABLE customer_messages RENAME COLUMN body TO sms;
ALTER TABLE customer_messages ADD COLUMN appliance_id TEXT;
ALTER TABLE customer_messages ADD COLUMN event TEXT;
ALTER TABLE customer_messages ADD COLUMN facts TEXT;
UPDATE customer_messages m SET appliance_id = t.appliance_id, event = t.status
    FROM tickets t WHERE t.ticket_id = m.ticket_id;
ALTER TABLE customer_messages ALTER COLUMN appliance_id SET NOT NULL;
ALTER TABLE customer_messages ALTER COLUMN event SET NOT NULL;
ALTER TABLE customer_messages DROP CONSTRAINT notices_ticket_id_fkey;
ALTER TABLE tickets DROP CONSTRAINT tickets_pkey;
ALTER TABLE tickets ADD PRIMARY KEY (appliance_id, ticket_id);
ALTER TABLE appointments ADD UNIQUE (appliance_id, ticket_id);
ALTER TABLE appointments ADD FOREIGN KEY (appliance_id, ticket_id)
    REFERENCES tickets (appliance_id, ticket_id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE customer_messages ADD FOREIGN KEY (appliance_id, ticket_id)
    REFERENCES tickets (appliance_id, ticket_id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX tickets_by_id ON tickets (ticket_id);
CREATE INDEX tickets_by_serial ON tickets (serial);
CREATE INDEX tickets_by_contact ON tickets (contact_key);
DROP INDEX notices_by_ticket;
DROP INDEX notices_pending;
-- The courier leases pending messages oldest first (see 0003).
CREATE INDEX customer_messages_pending ON customer_messages (message_id) WHERE status = 'pending';
CREATE INDEX customer_messages_by_ticket ON customer_messages (appliance_id, ticket_id);
-- Each service zone reads its times in its own time zone (set with the roster).
CREATE TABLE service_zones (
    zone TEXT PRIMARY KEY,
    timezone TEXT NOT NULL
);
-- Console roles: a supervisor sees every zone, an agent the zones listed for them. Agents made
-- before roles saw everything, so they stay supervisors. Failed sign-ins lock an account a while.
ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'supervisor';
ALTER TABLE agents ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
CREATE TABLE agent_zones (
    username TEXT NOT NULL REFERENCES agents (username) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    PRIMARY KEY (username, zone)
)
