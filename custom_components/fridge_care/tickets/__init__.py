"""Tickets to the manufacturer: a confirmed fault, signed and kept until the service answers.

Plain Python, checked against the service without Home Assistant: ``protocol`` (the vocabulary
and the Standard Webhooks signature, shared with the service), ``payload`` (the ticket body),
``policy`` (when a fault becomes a ticket), ``book`` (the tickets kept) and ``client`` (HTTP).
Home Assistant glue: ``coordinator`` (judges faults, keeps the book in a Store, takes the owner's
requests) and ``delivery`` (sends, retries, follows visits up).
"""
