"""Domain errors raised by services. One exception handler maps them to 8x8 bodies."""


class DomainError(Exception):
    """Base class: `code` is the 8x8 error code, `message` the human sentence."""

    code = "invalid_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """A resource addressed by the request (path id) does not exist in this tenant."""

    code = "resource_not_found"

    def __init__(self, resource_type: str, resource_id: str) -> None:
        super().__init__(f"Entity of type {resource_type} with id {resource_id} was not found.")
        self.resource_type = resource_type
        self.resource_id = resource_id


class InvalidReference(DomainError):
    """A body field names something that does not exist (e.g. an unknown queue id)."""

    code = "invalid_parameter"


class InvalidTransition(DomainError):
    """The action is not possible in the conversation's or offer's current state."""

    code = "invalid_state"


class OfferUnavailable(InvalidTransition):
    """The offer was already taken, rejected, withdrawn or timed out."""

    code = "offer_unavailable"


class AlreadyExists(DomainError):
    code = "invalid_parameter"


class ResourceInUse(DomainError):
    """The resource cannot be deleted: something still refers to it (the message says what)."""

    code = "resource_in_use"


class AccessDenied(DomainError):
    """The caller's credentials, token or tenant do not allow the request."""

    code = "access_denied"


class ClientCredentialsInvalid(AccessDenied):
    """`POST /oauth/v2/token` with a key/secret pair that is unknown or does not match."""

    code = "invalid_client"


class AccessTokenInvalid(AccessDenied):
    """A legacy bearer token that is missing, malformed or was never issued."""

    code = "invalid_access_token"


class AccessTokenExpired(AccessTokenInvalid):
    code = "access_token_expired"


class TenantNotOwned(AccessDenied):
    """The tenant named by the request does not belong to the caller's customer."""

    def __init__(self, tenant_id: str, customer_id: str) -> None:
        super().__init__(f"Tenant {tenant_id} does not belong to customer {customer_id}.")
        self.tenant_id = tenant_id
        self.customer_id = customer_id


class PreconditionFailed(DomainError):
    """An `If-Match` entity version that is not the stored one."""

    code = "precondition_failed"


class WebhookVerificationFailed(DomainError):
    """A WEB_HOOK_VERIFY was not answered with a 2xx (status, timeout or connection error)."""

    code = "webhook_verification_failed"
