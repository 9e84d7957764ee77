"""Download http(s) sources without letting a source address reach inside the city's network.

A dataset's source URL is a request the server makes on a data steward's behalf, so it
must not reach the server itself, the city's internal network or a cloud metadata service.
Before each request, and again at each redirect (followed here, at most MAX_REDIRECTS),
the host is resolved and every address it resolves to must be public; the connection then
goes to an address that was checked, never to a second DNS answer (DNS rebinding). Hosts
and networks named in `CITYSTAT_SOURCE_ALLOW_HOSTS` may be private, for an intranet.

    with open_url("https://data.example.gov/requests.csv", timeout=60) as response:
        body = response.read()
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings

from citystat.lib.errors import CitystatError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_REDIRECTS = 5
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
ALLOW_SETTING = "CITYSTAT_SOURCE_ALLOW_HOSTS"
# Checked in this order, so an address gets the most telling name (metadata before
# link-local). Everything else that is not globally routable counts as "reserved".
REFUSED_NETWORKS = [
    (ipaddress.ip_network(network), reason)
    for network, reason in [
        ("169.254.169.254/32", "cloud metadata"),  # AWS, GCP, Azure, OpenStack
        ("fd00:ec2::254/128", "cloud metadata"),  # AWS over IPv6
        ("100.100.100.200/32", "cloud metadata"),  # Alibaba Cloud
        ("192.0.0.192/32", "cloud metadata"),  # Oracle Cloud
        ("0.0.0.0/8", "unspecified"),
        ("::/128", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("::1/128", "loopback"),
        ("10.0.0.0/8", "private"),
        ("172.16.0.0/12", "private"),
        ("192.168.0.0/16", "private"),
        ("fc00::/7", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("169.254.0.0/16", "link-local"),
        ("fe80::/10", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("ff00::/8", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("fec0::/10", "reserved"),
    ]
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class SourceError(CitystatError):
    pass


class SourceRefused(SourceError):
    """A source the site will not read from, whatever it holds (SSRF, files outside)."""


class Unresolvable(SourceError):
    """A host name with no address (yet): nothing is fetched, and nothing is refused."""


class DownloadFailed(OSError):
    """An answer that is not the file: an HTTP error status or a redirect without a target."""


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, compatible)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Return why `address` is not public ("loopback", "private", …), or None if it is."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return refusal_reason(inner)
    for network, reason in REFUSED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    return None if address.is_global else "reserved"


@dataclass
class AllowList:
    """`CITYSTAT_SOURCE_ALLOW_HOSTS`: host names (`*.example.gov` for subdomains) and CIDRs."""

    names: set[str]
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]

    @classmethod
    def from_settings(cls) -> AllowList:
        names, networks = set(), []
        for entry in settings.CITYSTAT_SOURCE_ALLOW_HOSTS:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        return cls(names, networks)

    def names_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        labels = host.split(".")
        wildcards = {"*." + ".".join(labels[index:]) for index in range(1, len(labels))}
        return host in self.names or bool(wildcards & self.names)

    def holds(self, address: IPAddress) -> bool:
        inner = embedded_ipv4(address)
        return any(
            candidate in network
            for candidate in (address, inner)
            if candidate is not None
            for network in self.networks
            if candidate.version == network.version
        )


def resolve(host: str, port: int) -> list[IPAddress]:
    """Return every address `host` stands for, reading numeric forms (`127.1`) as IPv4 does."""
    literal = host.strip("[]").split("%", 1)[0]
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    try:
        # inet_aton reads the shorthand and integer forms (0x7f000001, 2130706433, 127.1)
        # that a URL parser passes through as a host name but a resolver answers anyway.
        return [ipaddress.IPv4Address(socket.inet_aton(literal))]
    except OSError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Unresolvable(f"host {host!r} could not be resolved ({error}).") from None
    found: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


@dataclass
class Target:
    """One request's checked destination: the URL's parts and the addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: list[IPAddress]


def check_url(url: str) -> Target:
    """Return where `url` may be fetched from, or raise SourceRefused naming the address."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SourceRefused(
            f"{url}: only http and https sources are fetched, not {parts.scheme or 'this'}://."
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise SourceRefused(f"{url}: is not a valid URL ({error}).") from None
    if not host:
        raise SourceRefused(f"{url}: has no host name.")
    port = port or (443 if parts.scheme == "https" else 80)
    allowed = AllowList.from_settings()
    try:
        addresses = resolve(host, port)
    except Unresolvable as error:
        raise Unresolvable(f"{url}: {error}") from None
    for address in addresses:
        reason = refusal_reason(address)
        if reason is None or allowed.holds(address):
            continue
        # An allowed intranet name still may not lead to a metadata service: that takes
        # the address itself in the allow-list.
        if reason != "cloud metadata" and allowed.names_host(host):
            continue
        raise SourceRefused(
            f"{url}: address {address} is not allowed as a source ({reason}); add it to "
            f"{ALLOW_SETTING} if this is your intranet."
        )
    path = parts.path or "/"
    return Target(
        parts.scheme, host, port, f"{path}?{parts.query}" if parts.query else path, addresses
    )


def connect_to(addresses: list[IPAddress], port: int, timeout: float | None) -> socket.socket:
    error: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout)
        except OSError as refused:
            error = refused
    raise error


class CheckedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to addresses checked beforehand, never to a new DNS answer."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.addresses = target.addresses

    def connect(self) -> None:
        self.sock = connect_to(self.addresses, self.port, self.timeout)


class CheckedHTTPSConnection(http.client.HTTPSConnection):
    """As CheckedHTTPConnection, with TLS verified against the URL's host name."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.addresses = target.addresses

    def connect(self) -> None:
        plain = connect_to(self.addresses, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(plain, server_hostname=self.host)


@contextmanager
def open_url(url: str, timeout: float) -> Iterator[http.client.HTTPResponse]:
    """Yield the response to GET `url`, checking the address of every hop (see the module)."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(current)
        kind = CheckedHTTPSConnection if target.scheme == "https" else CheckedHTTPConnection
        connection = kind(target, timeout)
        try:
            connection.request("GET", target.path, headers={"User-Agent": "citystat"})
            response = connection.getresponse()
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise DownloadFailed(f"HTTP {response.status} without a Location")
                current = urllib.parse.urljoin(current, location)
                continue
            if response.status != 200:
                via = f" at {current}" if current != url else ""
                raise DownloadFailed(f"HTTP {response.status} {response.reason}{via}")
            # As urllib does, so the caller can name the file after where it ended up.
            response.url = current
            yield response
            return
        except http.client.HTTPException as error:
            # A malformed or cut-short answer (IncompleteRead while the caller reads, too):
            # callers treat a download that failed as OSError.
            raise DownloadFailed(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
    raise DownloadFailed(f"more than {MAX_REDIRECTS} redirects; give the final address")
