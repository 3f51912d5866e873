-- The intake books a ticket's slot before it writes the ticket, so the appointment's reference
-- to its ticket is checked when the transaction commits, as on PostgreSQL. Declared here rather
-- than by PRAGMA defer_foreign_keys in every transaction: setting that flag expires every
-- prepared statement, so each batch compiled all of its statements again (about 10 us each).
-- SQLite cannot alter a constraint: the table is built again with it.
CREATE TABLE appointments_deferred (
    appointment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE REFERENCES tickets (ticket_id) DEFERRABLE INITIALLY DEFERRED,
    technician_id TEXT NOT NULL REFERENCES technicians (technician_id),
    slot_start INTEGER NOT NULL,
    slot_end INTEGER NOT NULL,
    -- One technician, one slot: the database itself refuses a double booking.
    UNIQUE (technician_id, slot_start)
);
INSERT INTO appointments_deferred (appointment_id, ticket_id, technician_id, slot_start, slot_end)
    SELECT appointment_id, ticket_id, technician_id, slot_start, slot_end FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_deferred RENAME TO appointments
