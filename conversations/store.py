"""Plain-SQL reads and writes of the domain's rows, for the paths run once per request or message.

Django's ORM spends about 0.3 ms of CPU building each query, several times what the database
spends answering a primary-key lookup or a one-row insert; these run for every API call or
every message, so they use `gateway_sim.db.rows.Table`. Everything else uses the ORM.
"""

from django.db import connection

from conversations.models import ApiKey, Tenant
from gateway_sim.db.rows import Table

_TENANTS = Table.of(Tenant)
# The key's customer and its tenants: the one named (AND t.id = %s), or the oldest two.
_KEY_TENANTS_SQL = (
    f"SELECT k.customer_id, {_TENANTS.columns('t')} FROM {ApiKey._meta.db_table} k"
    f" LEFT JOIN {_TENANTS.name} t ON t.customer_id = k.customer_id{{named}}"
    " WHERE k.key = %s ORDER BY t.created_at LIMIT 2"
)
_ANY_TENANT_SQL = _KEY_TENANTS_SQL.format(named="")
_NAMED_TENANT_SQL = _KEY_TENANTS_SQL.format(named=" AND t.id = %s")


def key_tenants(key: str, tenant_id: str | None) -> tuple[str, list[Tenant]] | None:
    """(the key's customer id, its tenants as above), or None when the key is unknown."""
    with connection.cursor() as cursor:
        if tenant_id is None:
            cursor.execute(_ANY_TENANT_SQL, [key])
        else:
            cursor.execute(_NAMED_TENANT_SQL, [tenant_id, key])
        rows = cursor.fetchall()
    if not rows:
        return None
    tenants = [tenant for row in rows if (tenant := _TENANTS.from_row(row, 1)) is not None]
    return rows[0][0], tenants
