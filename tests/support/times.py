"""Raw SQL in tests, with times bound the way the app binds them."""

from sqlalchemy import TextClause, bindparam, text

from smooth_gql.db.types import UTCDateTime


def timed_sql(sql: str, *times: str) -> TextClause:
    """`text(sql)` whose parameters named in `times` go through the models' column type: the
    stored spelling is the app's own, and nothing leans on sqlite3's default datetime adapter,
    which Python 3.12 deprecates (the suite's warnings are errors)."""
    return text(sql).bindparams(*(bindparam(name, type_=UTCDateTime()) for name in times))
