"""The v2 `customer` map and the domain `user` it becomes.

v2 integrations send one flat map of strings; the domain (desktop, console, Gateway reads)
knows the Gateway `user` object. The predefined keys map to user fields, `customerId`
becomes `userId` (the customer's participant id), and every other key becomes an
additional property. The map itself is also kept verbatim for v2 reads.
"""

from typing import Any

# v2 customer key -> Gateway user field.
PREDEFINED = {
    "name": "name",
    "email": "email",
    "company": "company",
    "caseId": "caseId",
    "language": "language",
    "customerId": "userId",
}


def user_from_customer(customer: dict[str, str]) -> dict[str, Any]:
    user: dict[str, Any] = {}
    additional: list[dict[str, str]] = []
    for key, value in customer.items():
        if key in PREDEFINED:
            user[PREDEFINED[key]] = value
        else:
            additional.append({"key": key, "value": value})
    # The v2 docs also name `senderName` as the customer's display name.
    if not user.get("name") and customer.get("senderName"):
        user["name"] = customer["senderName"]
    user["additionalProperties"] = additional
    return user
