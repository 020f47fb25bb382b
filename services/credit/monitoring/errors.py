"""Problems of banks' monitoring: endpoints, subscriptions, deliveries."""

from services.common.errors import Conflict, Forbidden, NotFound, Unprocessable


class WebhookEndpointNotFound(NotFound):
    """No webhook endpoint with this id of the caller's bank."""

    code = "webhook_endpoint_not_found"


class WebhookEndpointNotPaused(Conflict):
    """Only a paused webhook endpoint can be resumed."""

    code = "webhook_endpoint_not_paused"


class WebhookUrlInvalid(Unprocessable):
    """The webhook URL is not an absolute http(s) URL without credentials."""

    code = "webhook_url_invalid"


class WebhookUrlNotHttps(Unprocessable):
    """A webhook URL must use https."""

    code = "webhook_url_not_https"


class WebhookUrlPrivateAddress(Unprocessable):
    """A webhook URL must not resolve to a loopback, private, link-local or reserved address."""

    code = "webhook_url_private_address"


class WebhookUrlUnresolvable(Unprocessable):
    """The webhook URL's host name does not resolve."""

    code = "webhook_url_unresolvable"


class SubscriptionNotFound(NotFound):
    """No monitoring subscription with this id of the caller's bank."""

    code = "subscription_not_found"


class SubscriptionExists(Conflict):
    """The endpoint already has a live subscription to this enterprise."""

    code = "subscription_exists"


class SubscriptionCancelled(Conflict):
    """The subscription is already cancelled."""

    code = "subscription_cancelled"


class MonitoringConsentRequired(Forbidden):
    """Monitoring an enterprise needs its active consent for post-loan management to this bank."""

    code = "monitoring_consent_required"


class WebhookDeliveryNotFound(NotFound):
    """No webhook delivery with this id of the caller's bank."""

    code = "webhook_delivery_not_found"
