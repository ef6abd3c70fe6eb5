"""The independent side of tests/provenance.rs: securesystemslib (pinned in requirements.txt)
verifies envelopes that cargo-seal wrote, in-toto-attestation validates their statement and
parses the SLSA provenance predicate strictly (unknown fields fail), and securesystemslib signs
envelopes of its own for cargo-seal to verify.

    sslib.py verify ENVELOPE CRATE PUBLIC_KEY_PEM   exit 0 when every check holds
    sslib.py sign CRATE PRIVATE_KEY_PEM OUT         a statement of its own making, pretty-printed
    sslib.py vsa FILE PUBLIC_KEY_PEM                every line a verified envelope (bare or in a
                                                    Sigstore bundle) of a SLSA VSA v1 (strict
                                                    parse); prints each subject and result
"""

import hashlib
import json
import sys
import tarfile

from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from google.protobuf import json_format
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://slsa.dev/provenance/v1"


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def verify(envelope_path, crate_path, public_key_path):
    with open(public_key_path, "rb") as f:
        key = SSlibKey.from_crypto(load_pem_public_key(f.read()))
    with open(envelope_path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if len(lines) != 1:
        sys.exit(f"expected one envelope line, found {len(lines)}")
    envelope = Envelope.from_dict(json.loads(lines[0]))
    envelope.verify([key], 1)  # raises VerificationError
    if envelope.payload_type != PAYLOAD_TYPE:
        sys.exit(f"payloadType {envelope.payload_type}")
    statement = json.loads(envelope.payload)
    if statement["_type"] != STATEMENT_TYPE or statement["predicateType"] != PREDICATE_TYPE:
        sys.exit("not an in-toto statement of SLSA provenance v1")
    digest = sha256(crate_path)
    if not any(s["digest"].get("sha256") == digest for s in statement["subject"]):
        sys.exit(f"sha256 {digest} is not a subject")
    Statement.copy_from_pb(json_format.Parse(envelope.payload, statement_pb2.Statement())).validate()
    json_format.ParseDict(statement["predicate"], provenance_pb2.Provenance())
    print(f"verified by keyid {key.keyid}")


def vsa(path, public_key_path):
    with open(public_key_path, "rb") as f:
        key = SSlibKey.from_crypto(load_pem_public_key(f.read()))
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    for line in lines:
        document = json.loads(line)
        # A Sigstore bundle (cargo seal audit --vsa-bundle) carries the envelope.
        if document.get("mediaType") == "application/vnd.dev.sigstore.bundle.v0.3+json":
            document = document["dsseEnvelope"]
        envelope = Envelope.from_dict(document)
        envelope.verify([key], 1)  # raises VerificationError
        statement = json.loads(envelope.payload)
        if statement["predicateType"] != "https://slsa.dev/verification_summary/v1":
            sys.exit(f"predicateType {statement['predicateType']}")
        Statement.copy_from_pb(json_format.Parse(envelope.payload, statement_pb2.Statement())).validate()
        # verifiedLevels is an array in SLSA's VSA v1 spec but one string in in-toto-attestation
        # 0.9.3's proto (in-toto/attestation#425): checked apart, every other field strictly.
        predicate = dict(statement["predicate"])
        levels = predicate.pop("verifiedLevels")
        if not (isinstance(levels, list) and levels and all(isinstance(level, str) for level in levels)):
            sys.exit(f"verifiedLevels {levels!r} is not a non-empty array of strings")
        parsed = json_format.ParseDict(predicate, vsa_pb2.VerificationSummary())
        subject = statement["subject"][0]
        print(subject["name"], subject["digest"]["sha256"], parsed.resource_uri, parsed.verification_result,
              ",".join(levels))


def sign(crate_path, private_key_path, out_path):
    with tarfile.open(crate_path) as tar:
        members = tar.getmembers()
        base = members[0].name.split("/")[0]
        vcs = json.load(tar.extractfile(f"{base}/.cargo_vcs_info.json"))
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": f"{base}.crate", "digest": {"sha256": sha256(crate_path)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": "https://example.com/another-packager/v1",
                "externalParameters": {"path": vcs["path_in_vcs"]},
                "resolvedDependencies": [{"digest": {"gitCommit": vcs["git"]["sha1"]}}],
            },
            "runDetails": {"builder": {"id": "https://example.com/another-builder"}},
        },
    }
    with open(private_key_path, "rb") as f:
        signer = CryptoSigner(load_pem_private_key(f.read(), None))
    envelope = Envelope(payload=json.dumps(statement, indent=2).encode(), payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(signer)
    with open(out_path, "w") as f:
        json.dump(envelope.to_dict(), f, indent=2)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"verify": verify, "sign": sign, "vsa": vsa}[command](*args)
