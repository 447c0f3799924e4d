"""Plain-Python helpers with no ORM: signing, HTTP transport, retry policy.

Kept outside the models so they can be unit-tested without a database and
reused by the connector modules.
"""
