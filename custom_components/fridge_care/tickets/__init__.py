"""Tickets to the manufacturer: a fault episode, signed and kept until the service answers.

``payload`` and ``protocol`` are plain Python (the ticket contract and Standard Webhooks), so they
can be checked against the service without Home Assistant; ``outbox`` is the Home Assistant glue
that stores, sends and retries.
"""
