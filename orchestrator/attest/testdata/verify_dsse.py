"""Verify a DSSE envelope with securesystemslib (Debian's python3-securesystemslib 0.26 has
no dsse module, so PAE is computed here from the DSSE spec; the signature check itself is
securesystemslib's, on pyca/cryptography).

usage: verify_dsse.py ENVELOPE KEYTYPE SCHEME PUBLIC
  KEYTYPE/SCHEME: ed25519/ed25519 (PUBLIC = raw key, hex) or ecdsa/ecdsa-sha2-nistp256 (PUBLIC = PEM file)
Prints the payload type and exits 0 when a signature verifies; exits 1 otherwise."""
import base64
import json
import sys

from securesystemslib.signer import Signature, SSlibKey


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def main() -> int:
    envelope_path, keytype, scheme, public = sys.argv[1:5]
    if keytype == "ecdsa":
        with open(public) as f:
            public = f.read()
    with open(envelope_path) as f:
        env = json.load(f)
    payload = base64.b64decode(env["payload"])
    for s in env["signatures"]:
        key = SSlibKey(s["keyid"], keytype, scheme, {"public": public})
        sig = Signature(s["keyid"], base64.b64decode(s["sig"]).hex())
        try:
            key.verify_signature(sig, pae(env["payloadType"], payload))
        except Exception as e:  # securesystemslib raises its own exception types
            print("signature %s: %s" % (s["keyid"][:16], e), file=sys.stderr)
            continue
        print(env["payloadType"])
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
