"""Source-address allowlists of SCIM configurations (CIDR ranges, IPv4 and IPv6)."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from .models import ScimConfiguration

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# At most this many ranges per configuration (the published IdP lists are a few dozen).
MAX_NETWORKS = 500


def parse_networks(items: Iterable[str]) -> list[Network]:
    """Parse CIDR ranges (a bare address is a /32 or /128); ValueError names a bad one."""
    networks: list[Network] = []
    for raw in items:
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            # strict=False: 10.0.0.1/8 means 10.0.0.0/8, as admins paste it.
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(
                f"{text!r} is not an IPv4 or IPv6 address or CIDR range (e.g. 192.0.2.0/24, "
                "2001:db8::/32)."
            ) from None
        if network not in networks:
            networks.append(network)
    if len(networks) > MAX_NETWORKS:
        raise ValueError(f"At most {MAX_NETWORKS} ranges per configuration.")
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket shows as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=256)
def _networks(stored: str) -> tuple[Network, ...]:
    # Keyed by the stored text itself: an edited list is parsed afresh, never served stale.
    return tuple(parse_networks(stored.splitlines()))


def _contains(stored: str, address_text: str) -> bool:
    if not stored.strip():
        return True
    address = _address(address_text)
    if address is None:
        return False
    return any(address in network for network in _networks(stored))


def address_allowed(configuration: ScimConfiguration, address: str) -> bool:
    """Whether the configuration accepts requests from this client address."""
    return _contains(configuration.allowed_networks, address)


def address_known(address: str) -> bool:
    """Whether any enabled configuration accepts this address (asked only when auth failed).

    A caller no configuration accepts is refused with 403 whatever it presented, so it
    cannot tell a valid token from a wrong one.
    """
    lists = list(
        ScimConfiguration.objects.filter(enabled=True).values_list("allowed_networks", flat=True)
    )
    if not lists:
        return True
    return any(_contains(stored, address) for stored in lists)
