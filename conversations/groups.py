"""Channel-layer group names, built in one place so producers and consumers agree."""


def agent_group(agent_pk: int) -> str:
    return f"agent.{agent_pk}"


def conversation_group(conversation_id: str) -> str:
    # Group names allow only ASCII alphanumerics, hyphens, underscores and periods; 8x8 ids
    # are URL-safe base64, which fits.
    return f"conversation.{conversation_id}"


def tenant_group(tenant_id: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in tenant_id)
    return f"tenant.{safe}"
