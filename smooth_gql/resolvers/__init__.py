"""Query and Mutation fields: parse, call a service, shape the answer. No rules here."""
