"""TLS: certificate problems and plain-HTTP servers become readable JiraTLSError."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jiraclient import JiraClient, JiraTLSError


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-jira")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_https_url_against_a_plain_http_server(fake_jira):
    url = fake_jira.url.replace("http://", "https://")
    jira = JiraClient(url, token=fake_jira.admin_token, max_retries=2)
    with pytest.raises(JiraTLSError) as caught:
        jira.server_info()
    assert "does not speak TLS" in str(caught.value)
    assert caught.value.maybe_applied is False


def test_untrusted_certificate_is_not_retried(fake_jira_factory, self_signed):
    fake = fake_jira_factory(ssl_context=self_signed)
    jira = JiraClient(fake.url, token=fake.admin_token, max_retries=3)
    with pytest.raises(JiraTLSError, match="certificate verify failed"):
        jira.server_info()
    assert fake.requests() == []  # the handshake failed: no request was ever read


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verification_can_be_turned_off(fake_jira_factory, self_signed):
    fake = fake_jira_factory(ssl_context=self_signed)
    assert fake.url.startswith("https://")
    jira = JiraClient(fake.url, token=fake.admin_token, verify_tls=False)
    assert jira.myself()["name"] == "admin"
