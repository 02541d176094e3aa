"""DKIM signatures by rundbrief itself, for a relay that does not sign (RFC 6376, rsa-sha256).

Optional: with ``newsletter.dkim_selector`` set and the private key (PEM) in
``RUNDBRIEF_DKIM_PRIVATE_KEY``, the SMTP transport signs every message as the last step
before it hands the bytes over. dkimpy's own ``sign`` parses the key and computes RSA in pure
Python for every message (tens of milliseconds); here the key is parsed once and the RSA
step is OpenSSL's (``cryptography``), while splitting the message, canonicalising and
selecting headers are dkimpy's, the same code its verifier runs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from generator.core.i18n import _
from generator.core.problems import UsageError
from generator.core.settings import Project

# cryptography and dkimpy (which brings dnspython) are imported only when a key is there: they
# cost every command that never signs (a dry run, a send without a key) 70 ms and 10 MB.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from dkim.canonicalization import CanonicalizationPolicy

KEY_VARIABLE = "RUNDBRIEF_DKIM_PRIVATE_KEY"
SIGNED = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "mime-version",
    "content-type",
)
"""Headers signed (one listed but absent is signed as empty: nobody can add it later)."""
CANONICALIZATION = b"relaxed/simple"
_LINE = 72


@cache
def _policy() -> CanonicalizationPolicy:
    from dkim.canonicalization import CanonicalizationPolicy

    return CanonicalizationPolicy.from_c_value(CANONICALIZATION)


class DkimError(UsageError):
    """The key or the selector cannot sign."""


@dataclass(frozen=True)
class DkimSigner:
    """Signs messages for ``domain`` with ``selector``; the key is parsed once."""

    domain: str
    selector: str
    key: rsa.RSAPrivateKey

    def __repr__(self) -> str:
        return f"DkimSigner(domain={self.domain!r}, selector={self.selector!r})"

    def public_key(self) -> str:
        """The p= value of the DNS record: base64 of the public key (SubjectPublicKeyInfo)."""
        from cryptography.hazmat.primitives import serialization

        der = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def sign(self, data: bytes, now: float | None = None) -> bytes:
        """``data`` with a DKIM-Signature header in front."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, utils
        from dkim import MessageFormatError, hash_headers, rfc822_parse

        policy = _policy()
        head, gap, body = data.partition(b"\r\n\r\n")
        try:
            if gap and body.count(b"\n") == body.count(b"\r\n"):  # CRLF throughout, as sent
                headers, _body = rfc822_parse(head + gap)
            else:  # bare line feeds: dkimpy's parser reads them as its verifier does
                headers, body = rfc822_parse(data)
        except MessageFormatError as error:
            raise DkimError(
                _(
                    "cannot sign the message: {error}; check the newsletter's headers "
                    "(subject, sender) and run the command again"
                ).format(error=error)
            ) from None
        body_hash = base64.b64encode(hashlib.sha256(policy.canonicalize_body(body)).digest())
        fields = [
            (b"v", b"1"),
            (b"a", b"rsa-sha256"),
            (b"c", CANONICALIZATION),
            (b"d", self.domain.encode("ascii")),
            (b"s", self.selector.encode("ascii")),
            (b"t", str(int(time.time() if now is None else now)).encode("ascii")),
            (b"h", b":".join(name.encode("ascii") for name in SIGNED)),
            (b"bh", body_hash),
        ]
        # One tag per line: the folding whitespace is the same when the header is hashed
        # (b= empty) and when it is written (b= filled), so relaxed canonicalisation agrees.
        value = b" " + b";\r\n\t".join(name + b"=" + tag for name, tag in fields) + b";\r\n\tb="
        digest = hashlib.sha256()
        hash_headers(
            digest,
            policy,
            policy.canonicalize_headers(headers),
            [name.encode("ascii") for name in SIGNED],
            (b"DKIM-Signature", value),
            dict(fields),
        )
        signature = base64.b64encode(
            self.key.sign(digest.digest(), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        )
        chunks = [signature[i : i + _LINE] for i in range(0, len(signature), _LINE)]
        return b"DKIM-Signature:" + value + b"\r\n\t".join(chunks) + b"\r\n" + data


def load_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key of a PEM text (with literal \\n from a one-line secret, too)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    text = pem.strip().replace("\\n", "\n")
    try:
        key = serialization.load_pem_private_key(text.encode("ascii", "replace"), password=None)
    except (ValueError, TypeError):
        raise DkimError(
            _(
                "{variable}: not a PEM private key without password; set it to the "
                "whole PEM text of the key, from -----BEGIN to -----END"
            ).format(variable=KEY_VARIABLE)
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 1024:
        raise DkimError(
            _(
                "{variable}: expected an RSA key of at least 1024 bits (2048 "
                "recommended); make a new key (see the handbook: DKIM) and set it"
            ).format(variable=KEY_VARIABLE)
        )
    return key


def dkim_signer(
    selector: str, from_address: str, env: Mapping[str, str] | None = None
) -> DkimSigner | None:
    """The signer when RUNDBRIEF_DKIM_PRIVATE_KEY is set (the selector is then required)."""
    pem = (os.environ if env is None else env).get(KEY_VARIABLE, "")
    if not pem:
        return None
    if not selector:
        raise DkimError(
            _(
                "{variable} is set but newsletter.dkim_selector is not; set the "
                "selector in rundbrief.yml"
            ).format(variable=KEY_VARIABLE)
        )
    return DkimSigner(from_address.rpartition("@")[2].lower(), selector, load_key(pem))


def team_signer(project: Project) -> DkimSigner | None:
    """The signer of the mails to the team (review, report): the newsletters' own key and domain."""
    newsletter = project.settings.newsletter
    return dkim_signer(newsletter.dkim_selector, newsletter.from_address)
