"""The grammar of the apps' address settings: host:port lists (Kafka's bootstrap servers) and http(s) URLs
(InfluxDB). Checked at start, so a typo is one sentence and exit 2 rather than a client library's traceback in
a thread while the app runs on, unready.

A host is a DNS name (RFC 1123 labels of letters, digits and hyphens, 1-63 characters each, not starting or ending
with a hyphen, 253 characters in all, an optional final dot), an IPv4 address in dotted-decimal, or an IPv6
address in brackets; a port is 1-65535 in ASCII digits.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse

LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
DIGITS = re.compile(r"[0-9]+")
MAX_HOST_CHARS = 253
MAX_SHOWN = 60  # characters of a bad value echoed back


class AddressError(ValueError):
    """Why a value is not an address; the text is a clause to put after the value (no variable name)."""


def shown(value: str) -> str:
    """A value as an error message may show it: quoted, escapes for anything unprintable (one line whatever
    it holds), cut to MAX_SHOWN characters."""
    return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "...")


def port(text: str) -> int:
    """A TCP port: 1-65535, ASCII digits only (no sign, spaces, underscores or other scripts' digits)."""
    if not DIGITS.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise AddressError(f"has port {shown(text)}, which is not a number from 1 to 65535")
    return int(text)


def host(text: str) -> str:
    """A DNS name, a dotted-decimal IPv4 address or a bracketed IPv6 address, as written."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise AddressError(f"has host {shown(text)}, an IPv6 address without its closing bracket")
        try:
            ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            raise AddressError(f"has host {shown(text)}, which is not an IPv6 address in brackets") from None
        return text
    if ":" in text:
        raise AddressError(f"has host {shown(text)}, an IPv6 address without its brackets ([::1]:9092)")
    name = text[:-1] if text.endswith(".") else text
    labels = name.split(".")
    if all(DIGITS.fullmatch(label) for label in labels):  # numeric: an IPv4 address or nothing
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            raise AddressError(f"has host {shown(text)}, which is not an IPv4 address") from None
        return text
    if not name or len(name) > MAX_HOST_CHARS or not all(LABEL.fullmatch(label) for label in labels):
        raise AddressError(f"has host {shown(text)}, which is not a DNS name (letters, digits and hyphens in "
                           "dot-separated labels, none starting or ending with a hyphen)")
    return text


def host_port(text: str) -> tuple[str, int]:
    """`host:port`, the port after the last colon (an IPv6 host is in brackets)."""
    where, colon, number = text.rpartition(":")
    if not colon or not where:
        raise AddressError("has no port")
    return host(where), port(number)


def host_port_list(text: str) -> list[str]:
    """A comma list of host:port (spaces around an item allowed), each item checked; at least one."""
    items = [item.strip() for item in text.split(",")]
    checked = []
    for index, item in enumerate(items, start=1):
        if not item:
            raise AddressError(f"has an empty item (number {index} of {len(items)})")
        try:
            host_port(item)
        except AddressError as error:
            raise AddressError(f"item {shown(item)} {error}") from None
        checked.append(item)
    return checked


def http_url(text: str) -> str:
    """An http or https URL with a valid host, an optional port and path, and nothing else (no user or
    password: credentials are separate settings; no query or fragment)."""
    try:
        parts = urllib.parse.urlsplit(text)
        number = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError:
        raise AddressError("is not a URL with a valid host and port") from None
    if parts.scheme not in ("http", "https"):
        raise AddressError("is not an http or https URL")
    if "@" in parts.netloc:
        raise AddressError("carries a user or password, which belong in their own settings")
    if parts.query or parts.fragment or not parts.path.isprintable() or " " in parts.path:
        raise AddressError("has a query, a fragment or an unprintable path (scheme, host, port and path only)")
    authority = parts.netloc.rsplit(":", 1)[0] if number is not None or parts.netloc.endswith(":") else parts.netloc
    host(authority)
    if parts.netloc.endswith(":") or number == 0:
        raise AddressError("has an empty or zero port")
    return text
