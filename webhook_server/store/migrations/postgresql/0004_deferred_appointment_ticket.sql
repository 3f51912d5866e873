-- The intake books a ticket's slot before it writes the ticket (a slot another process holds is
-- skipped and the ticket planned again), so the appointment's reference to its ticket is
-- checked when the transaction commits.
ALTER TABLE appointments ALTER CONSTRAINT appointments_ticket_id_fkey DEFERRABLE INITIALLY DEFERRED
