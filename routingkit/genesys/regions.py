"""Genesys Cloud regions: AWS region names, their domains, and how to spell them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from .errors import ConfigurationError

# AWS region name -> Genesys Cloud domain
REGIONS: dict[str, str] = {
    "us-east-1": "mypurecloud.com",
    "us-east-2": "use2.us-gov-pure.cloud",
    "us-west-2": "usw2.pure.cloud",
    "ca-central-1": "cac1.pure.cloud",
    "sa-east-1": "sae1.pure.cloud",
    "mx-central-1": "mxc1.pure.cloud",
    "eu-west-1": "mypurecloud.ie",
    "eu-west-2": "euw2.pure.cloud",
    "eu-central-1": "mypurecloud.de",
    "eu-central-2": "euc2.pure.cloud",
    "eusc-de-east-1": "edee1.eusc-pure.cloud",
    "me-central-1": "mec1.pure.cloud",
    "ap-south-1": "aps1.pure.cloud",
    "ap-southeast-1": "apse1.pure.cloud",
    "ap-southeast-2": "mypurecloud.com.au",
    "ap-northeast-1": "mypurecloud.jp",
    "ap-northeast-2": "apne2.pure.cloud",
    "ap-northeast-3": "apne3.pure.cloud",
}


@dataclass(frozen=True)
class Endpoint:
    """Where an org's API and login live."""

    api_url: str  # e.g. https://api.mypurecloud.ie
    login_url: str  # e.g. https://login.mypurecloud.ie

    @property
    def is_local(self) -> bool:
        host = urlparse(self.api_url).hostname or ""
        return host in ("127.0.0.1", "localhost", "::1")


def _spellings() -> str:
    return (
        f"use an AWS region ({', '.join(sorted(REGIONS))}; '_' for '-' is fine), the "
        "region's domain (e.g. mypurecloud.ie or api.mypurecloud.ie) or a base URL (e.g. "
        "http://127.0.0.1:8765 for a sandbox)"
    )


def resolve_region(region: str) -> Endpoint:
    """Accept ``us-east-1``, ``us_east_1``, ``mypurecloud.ie``, ``api.mypurecloud.ie`` or a URL.

    A URL without ``api.`` in its host (``http://127.0.0.1:8765``, how tests point the client at
    a sandbox) serves login and API on the same origin, as the official SDK assumes. Anything
    else raises :class:`ConfigurationError` (also a ``ValueError``) listing these spellings.
    """
    text = region.strip()
    if not text:
        raise ConfigurationError(
            "the region is empty (argument, GENESYSCLOUD_REGION or profile environment); "
            + _spellings()
        )
    key = text.lower().replace("_", "-")
    if key in REGIONS:
        domain = REGIONS[key]
        return Endpoint(f"https://api.{domain}", f"https://login.{domain}")
    if "://" in text:
        parsed = urlparse(text)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigurationError(
                f"region {region!r} is not an http(s) URL with a host; {_spellings()}"
            )
        base = f"{parsed.scheme}://{parsed.netloc}"
        host = parsed.hostname or ""
        if host.startswith("api."):
            return Endpoint(base, base.replace("//api.", "//login.", 1))
        return Endpoint(base, base)
    domain = key.removeprefix("api.").removeprefix("login.").rstrip("/")
    if domain in REGIONS.values():
        return Endpoint(f"https://api.{domain}", f"https://login.{domain}")
    raise ConfigurationError(f"unknown Genesys Cloud region {region!r}; {_spellings()}")
