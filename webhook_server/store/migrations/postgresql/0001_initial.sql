-- FridgeCare manufacturer service, PostgreSQL schema. Times are UTC epoch seconds.
CREATE TABLE appliances (
    appliance_id TEXT PRIMARY KEY,
    manufacturer TEXT NOT NULL,
    model TEXT NOT NULL,
    serial TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (manufacturer, serial)
);
CREATE TABLE appliance_secrets (
    secret_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    appliance_id TEXT NOT NULL REFERENCES appliances (appliance_id),
    ciphertext TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
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
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX tickets_by_received ON tickets (received_at);
CREATE TABLE appointments (
    appointment_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_id),
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id),
    slot_start BIGINT NOT NULL,
    slot_end BIGINT NOT NULL,
    -- One technician, one slot: the database itself refuses a double booking.
    UNIQUE (technician_id, slot_start)
);
CREATE TABLE notices (
    notice_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id TEXT NOT NULL REFERENCES tickets (ticket_id),
    language TEXT NOT NULL,
    recipient TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    channel TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_by_ticket ON notices (ticket_id);
CREATE TABLE agents (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
