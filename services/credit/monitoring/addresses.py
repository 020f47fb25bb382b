"""Where a webhook may go: an https URL whose host resolves only to public addresses.

The check runs when a bank registers (or changes) a URL and again before every attempt, and the
attempt connects to the address just checked (`pinned`): a host name that resolved to a public
address at registration and to 127.0.0.1 later (DNS rebinding) is refused, not connected to.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from services.credit.monitoring.errors import (
    WebhookUrlInvalid,
    WebhookUrlNotHttps,
    WebhookUrlPrivateAddress,
    WebhookUrlUnresolvable,
)

Resolver = Callable[[str, int], list[str]]
"""`resolver(host, port)` → the host's IP addresses (raises OSError when it has none)."""

MAX_URL_LENGTH = 2000


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses as the operating system resolves them (getaddrinfo)."""
    found: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone
        if address not in found:
            found.append(address)
    return found


def is_public(address: str) -> bool:
    """Whether a webhook may connect to this IP address (a global unicast one)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked webhook URL and the address to connect to (None: connect by name)."""

    url: httpx.URL
    address: str | None

    def request_url(self) -> httpx.URL:
        """The URL to send to: the checked address in place of the host name."""
        return self.url if self.address is None else self.url.copy_with(host=self.address)

    def headers(self) -> dict[str, str]:
        """`Host` naming the receiver when the request goes to its address."""
        if self.address is None:
            return {}
        return {"Host": self.url.netloc.decode("ascii")}

    def extensions(self) -> dict[str, str]:
        """TLS server name (and certificate check) for the host name, not the address."""
        if self.address is None or self.url.scheme != "https":
            return {}
        return {"sni_hostname": self.url.raw_host.decode("ascii")}


def parse_url(raw: str, *, field: str) -> httpx.URL:
    """An absolute http(s) URL without credentials, or a 422 naming `field`."""
    if len(raw) > MAX_URL_LENGTH:
        raise WebhookUrlInvalid.for_field(field, f"At most {MAX_URL_LENGTH} characters.")
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as exc:
        raise WebhookUrlInvalid.for_field(field, f"Not a URL: {exc}.") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise WebhookUrlInvalid.for_field(field, "Must be an absolute http(s) URL with a host.")
    if url.userinfo:
        raise WebhookUrlInvalid.for_field(field, "Must not carry a user name or password.")
    if url.port is not None and not 1 <= url.port <= 65535:
        raise WebhookUrlInvalid.for_field(field, "The port must be between 1 and 65535.")
    if url.fragment:
        raise WebhookUrlInvalid.for_field(field, "Must not carry a fragment (#…).")
    return url


def check_destination(
    raw: str, *, allow_private: bool, resolver: Resolver, field: str = "body.url"
) -> Destination:
    """The URL checked for sending: https and public addresses only, unless private is allowed.

    Raises the problem naming `field` (422) when the URL may not be used.
    """
    url = parse_url(raw, field=field)
    if allow_private:
        return Destination(url=url, address=None)
    if url.scheme != "https":
        raise WebhookUrlNotHttps.for_field(field, "Webhook URLs must use https.")
    host = url.host
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = resolver(url.raw_host.decode("ascii"), url.port or 443)
        except (OSError, UnicodeError) as exc:
            raise WebhookUrlUnresolvable.for_field(
                field, f"The host {host!r} does not resolve."
            ) from exc
        if not addresses:
            raise WebhookUrlUnresolvable.for_field(field, f"The host {host!r} does not resolve.")
    refused = [address for address in addresses if not is_public(address)]
    if refused:
        raise WebhookUrlPrivateAddress.for_field(
            field,
            f"The host {host!r} resolves to a loopback, private, link-local or reserved "
            f"address ({refused[0]}).",
        )
    return Destination(url=url, address=addresses[0])
