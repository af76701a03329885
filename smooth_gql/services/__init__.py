"""The only code that changes data: validation, authorization, versions, audit and change log."""
