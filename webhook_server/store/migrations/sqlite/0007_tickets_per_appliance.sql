-- Ticket ids are the appliances' own (fault episode ids): one appliance's id says nothing about
-- another's, so a ticket is keyed by its appliance and its id. The tickets table is built again
-- with that key, and with what the console searches and sorts by (serial, contact, deadline).
-- appointments and customer messages refer to a ticket by both columns.
-- The "notices" are the customer messages: the SMS, and the facts the e-mail is written from.
-- Renaming tickets first points the old tables' references at tickets_old, so the new tables
-- can take the name.
ALTER TABLE tickets RENAME TO tickets_old;
DROP INDEX tickets_by_received;
CREATE TABLE tickets (
    appliance_id TEXT NOT NULL REFERENCES appliances (appliance_id),
    ticket_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    zone TEXT NOT NULL,
    language TEXT NOT NULL,
    serial TEXT NOT NULL,
    contact_key TEXT,
    deadline INTEGER NOT NULL,
    payload TEXT NOT NULL,
    triage TEXT NOT NULL,
    response TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (appliance_id, ticket_id)
);
INSERT INTO tickets (appliance_id, ticket_id, request_hash, status, code, severity, zone,
    language, serial, contact_key, deadline, payload, triage, response, received_at, updated_at)
    SELECT appliance_id, ticket_id, request_hash, status, code, severity, zone, language,
        json_extract(payload, '$.appliance.serial'),
        lower(replace(replace(replace(replace(replace(
            json_extract(payload, '$.customer.contact'), ' ', ''), '-', ''), '(', ''), ')', ''),
            '.', '')),
        CAST(strftime('%s', json_extract(triage, '$.deadline')) AS INTEGER),
        payload, triage, response, received_at, updated_at
    FROM tickets_old;
CREATE INDEX tickets_by_id ON tickets (ticket_id);
CREATE INDEX tickets_by_received ON tickets (received_at);
CREATE INDEX tickets_by_serial ON tickets (serial);
CREATE INDEX tickets_by_contact ON tickets (contact_key);
CREATE TABLE appointments_new (
    appointment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    appliance_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id),
    slot_start INTEGER NOT NULL,
    slot_end INTEGER NOT NULL,
    UNIQUE (appliance_id, ticket_id),
    FOREIGN KEY (appliance_id, ticket_id) REFERENCES tickets (appliance_id, ticket_id)
        DEFERRABLE INITIALLY DEFERRED,
    -- One technician, one slot: the database itself refuses a double booking.
    UNIQUE (technician_id, slot_start)
);
INSERT INTO appointments_new (appointment_id, appliance_id, ticket_id, technician_id,
    slot_start, slot_end)
    SELECT a.appointment_id, t.appliance_id, a.ticket_id, a.technician_id, a.slot_start,
        a.slot_end
    FROM appointments a JOIN tickets_old t ON t.ticket_id = a.ticket_id;
CREATE TABLE customer_messages (
    message_id INTEGER PRIMARY KEY AUTOINCREMENT,
    appliance_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    event TEXT NOT NULL,
    language TEXT NOT NULL,
    recipient TEXT,
    sms TEXT NOT NULL,
    facts TEXT,
    status TEXT NOT NULL,
    channel TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    FOREIGN KEY (appliance_id, ticket_id) REFERENCES tickets (appliance_id, ticket_id)
        DEFERRABLE INITIALLY DEFERRED
);
INSERT INTO customer_messages (message_id, appliance_id, ticket_id, event, language, recipient,
    sms, facts, status, channel, attempts, next_attempt_at, lease_until, last_error, created_at,
    sent_at)
    SELECT n.notice_id, t.appliance_id, n.ticket_id, t.status, n.language, n.recipient, n.body,
        NULL, n.status, n.channel, n.attempts, n.next_attempt_at, n.lease_until, n.last_error,
        n.created_at, n.sent_at
    FROM notices n JOIN tickets_old t ON t.ticket_id = n.ticket_id;
DROP TABLE appointments;
DROP TABLE notices;
DROP TABLE tickets_old;
ALTER TABLE appointments_new RENAME TO appointments;
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
ALTER TABLE agents ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
CREATE TABLE agent_zones (
    username TEXT NOT NULL REFERENCES agents (username) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    PRIMARY KEY (username, zone)
)
