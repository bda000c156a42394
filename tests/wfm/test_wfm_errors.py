"""Errors that must say what went wrong and no more: an org without a business unit, and a
storage service refusing a pre-signed transfer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from wfm_helpers import TODAY

from routingkit.genesys import ForbiddenError, GenesysClient, ServerError, TransportError
from routingkit.genesys import wfm as wfm_module
from routingkit.policy.org_inputs import org_workforce_view
from routingkit.policy.wfm_sync import NoBusinessUnitError, WfmSyncError, business_unit_for

UNITS = "/api/v2/workforcemanagement/businessunits"
HTTP_CLIENT = httpx.Client  # transfers make their own: the tests replace it


def _org(units: list[dict[str, Any]]) -> GenesysClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == UNITS
        return httpx.Response(200, json={"entities": units})

    return GenesysClient(
        "https://api.example.test", httpx.BasicAuth("c", "s"), transport=httpx.MockTransport(answer)
    )


def test_an_org_without_a_business_unit_has_no_schedules_to_compare() -> None:
    with pytest.raises(NoBusinessUnitError, match="no WFM business unit"):
        business_unit_for(_org([]))
    view, said = org_workforce_view(_org([]), None, end=TODAY)
    assert view is None
    assert (
        said == "the org has no WFM business unit; create one in WFM first: no schedules to compare"
    )


def test_other_business_unit_errors_are_still_raised() -> None:
    units = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    with pytest.raises(WfmSyncError, match="several business units") as raised:
        org_workforce_view(_org(units), None, end=TODAY)
    assert not isinstance(raised.value, NoBusinessUnitError)


# --- transfers to and from pre-signed URLs -------------------------------------------------

SECRET_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SIGNATURE = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
SIGNED_URL = (
    "https://bucket.storage.example.test/uploads/forecast.json.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    f"&X-Amz-Credential={SECRET_KEY_ID}%2F20261116%2Fus-east-1%2Fs3%2Faws4_request"
    f"&X-Amz-Signature={SIGNATURE}"
)
SIGNATURE_ERROR = f"""<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not
match the signature you provided. Check your key and signing method.</Message>
<AWSAccessKeyId>{SECRET_KEY_ID}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256
20261116T060000Z
20261116/us-east-1/s3/aws4_request
9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08</StringToSign>
<SignatureProvided>{SIGNATURE}</SignatureProvided><StringToSignBytes>41 57 53 34</StringToSignBytes>
<CanonicalRequest>PUT
/uploads/forecast.json.gz
X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Credential={SECRET_KEY_ID}&amp;X-Amz-Signature={SIGNATURE}
host:bucket.storage.example.test</CanonicalRequest>
<RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId></Error>"""


@pytest.fixture()
def storage(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Response]:
    """The storage service's answers, in order (a transfer makes its own httpx client)."""
    answers: list[httpx.Response] = []

    def made(**kwargs: Any) -> httpx.Client:
        return HTTP_CLIENT(transport=httpx.MockTransport(lambda _: answers.pop(0)), **kwargs)

    monkeypatch.setattr(httpx, "Client", made)
    monkeypatch.setattr(wfm_module, "wait_random_exponential", lambda **_: lambda _: 0.0)
    return answers


def _secrets_in(text: str) -> list[str]:
    secrets = (SECRET_KEY_ID, SIGNATURE, "StringToSign", "X-Amz", "aws4_request", "?")
    return [s for s in secrets if s in text]


def test_a_refused_upload_keeps_the_storage_code_and_message_and_no_signature(
    storage: list[httpx.Response],
) -> None:
    storage.append(httpx.Response(403, text=SIGNATURE_ERROR))
    with pytest.raises(ForbiddenError) as raised:
        wfm_module._transfer("PUT", SIGNED_URL, content=b"{}", headers={})
    error = raised.value
    said = str(error)
    assert error.status == 403 and error.code == "SignatureDoesNotMatch"
    assert error.message == (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )
    assert error.path == "https://bucket.storage.example.test/uploads/forecast.json.gz"
    assert _secrets_in(said) == [] and _secrets_in(repr(error.args)) == []
    assert said.startswith("PUT https://bucket.storage.example.test/uploads/forecast.json.gz: ")


def test_a_refused_download_with_a_json_or_unreadable_body_says_only_the_status(
    storage: list[httpx.Response],
) -> None:
    storage.append(
        httpx.Response(
            403,
            json={
                "error": {
                    "code": "AuthenticationFailed",
                    "message": f"Signature did not match for {SIGNED_URL}",
                    "stringToSign": f"GET\n{SECRET_KEY_ID}\n{SIGNATURE}",
                }
            },
        )
    )
    with pytest.raises(ForbiddenError) as raised:
        wfm_module._transfer("GET", SIGNED_URL, content=None, headers={})
    assert raised.value.code == "AuthenticationFailed"
    assert _secrets_in(str(raised.value)) == []
    assert "Signature did not match for https://bucket.storage.example.test/uploads/" in str(
        raised.value
    )
    # A body that is neither: the HTTP status and a fixed message, nothing of the body.
    storage.extend(httpx.Response(500, text=f"oops {SECRET_KEY_ID} {SIGNATURE}") for _ in range(4))
    with pytest.raises(ServerError) as failed:
        wfm_module._transfer("GET", SIGNED_URL, content=None, headers={})
    assert str(failed.value).endswith("500 Internal Server Error: the transfer was refused")
    assert _secrets_in(str(failed.value)) == []


def test_a_transfer_that_gets_no_answer_does_not_say_the_signed_url(
    storage: list[httpx.Response], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(**kwargs: Any) -> httpx.Client:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

        return HTTP_CLIENT(transport=httpx.MockTransport(refuse), **kwargs)

    monkeypatch.setattr(httpx, "Client", unreachable)
    with pytest.raises(TransportError, match="ConnectError: cannot reach https://bucket") as raised:
        wfm_module._transfer("GET", SIGNED_URL, content=None, headers={})
    assert _secrets_in(str(raised.value)) == []
