-- FridgeCare manufacturer service, SQLite schema. Times are UTC epoch seconds.
CREATE TABLE appliances (
    appliance_id TEXT PRIMARY KEY,
    manufacturer TEXT NOT NULL,
    model TEXT NOT NULL,
    serial TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (manufacturer, serial)
);
CREATE TABLE appliance_secrets (
    secret_id INTEGER PRIMARY KEY AUTOINCREMENT,
    appliance_id TEXT NOT NULL REFERENCES appliances (appliance_id),
    ciphertext TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX appliance_secrets_by_appliance ON appliance_secrets (appliance_id);
CREATE TABLE technicians (
    technician_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL,
    work_start TEXT NOT NULL,
    work_end TEXT NOT NULL,
    working_days TEXT NOT NULL
);
CREATE TABLE technician_zones (
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id) ON DELETE CASCADE,
    zone TEXT NOT NULL,
    PRIMARY KEY (zone, technician_id)
);
CREATE TABLE technician_skills (
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id) ON DELETE CASCADE,
    skill TEXT NOT NULL,
    PRIMARY KEY (skill, technician_id)
);
CREATE TABLE tickets (
    ticket_id TEXT PRIMARY KEY,
    appliance_id TEXT NOT NULL REFERENCES appliances (appliance_id),
    request_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    zone TEXT NOT NULL,
    language TEXT NOT NULL,
    payload TEXT NOT NULL,
    triage TEXT NOT NULL,
    response TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX tickets_by_received ON tickets (received_at);
CREATE TABLE appointments (
    appointment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_id),
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id),
    slot_start INTEGER NOT NULL,
    slot_end INTEGER NOT NULL,
    -- One technician, one slot: the database itself refuses a double booking.
    UNIQUE (technician_id, slot_start)
);
CREATE TABLE notices (
    notice_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
    language TEXT NOT NULL,
    recipient TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_by_ticket ON notices (ticket_id);
CREATE TABLE agents (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
