// The peer for tests/it/provenance.rs: sigstore-js (the Sigstore project's JavaScript client,
// pinned in package.json) verifying a bundle with a public key, and writing one with a key.
//
//   node sigstore-js.js verify BUNDLE PUBLIC_KEY_PEM CRATE
//     Verifies the bundle's DSSE signature with the key (found by the bundle's hint) as
//     @sigstore/verify does, needing no log entry or timestamp, then requires an in-toto subject
//     with the crate file's sha256. Exit 0 and "verified" when both hold.
//   node sigstore-js.js sign PRIVATE_KEY_PEM HINT CRATE OUT
//     Writes to OUT a bundle v0.3 of an in-toto statement about the crate, signed by
//     @sigstore/sign's DSSE bundle builder with the ed25519 key, with no witness.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const { DSSEBundleBuilder } = require('@sigstore/sign');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { PublicKeyDetails, TrustedRoot } = require('@sigstore/protobuf-specs');

const sha256 = (path) => crypto.createHash('sha256').update(fs.readFileSync(path)).digest('hex');

function verify(bundlePath, keyPath, cratePath) {
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const hint = bundle.verificationMaterial.content.publicKey.hint;
  const spki = crypto.createPublicKey(fs.readFileSync(keyPath)).export({ type: 'spki', format: 'der' });
  const keys = { [hint]: { rawBytes: spki, keyDetails: PublicKeyDetails.PKIX_ED25519 } };
  const root = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
  const verifier = new Verifier(toTrustMaterial(root, keys), {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle));
  const statement = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
  const digest = sha256(cratePath);
  if (!statement.subject.some((s) => s.digest && s.digest.sha256 === digest)) {
    throw new Error(`no subject has sha256 ${digest}`);
  }
  console.log('verified');
}

async function sign(keyPath, hint, cratePath, outPath) {
  const key = crypto.createPrivateKey(fs.readFileSync(keyPath));
  const publicKey = crypto.createPublicKey(key).export({ type: 'spki', format: 'pem' });
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: cratePath.split('/').pop(), digest: { sha256: sha256(cratePath) } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: { buildType: 'https://github.com/sigstore/sigstore-js', externalParameters: {} },
      runDetails: { builder: { id: 'https://github.com/sigstore/sigstore-js' } },
    },
  };
  const signer = {
    sign: async (data) => ({
      signature: crypto.sign(null, data, key),
      key: { $case: 'publicKey', publicKey, hint },
    }),
  };
  const builder = new DSSEBundleBuilder({ signer, witnesses: [] });
  const bundle = await builder.create({
    data: Buffer.from(JSON.stringify(statement)),
    type: 'application/vnd.in-toto+json',
  });
  fs.writeFileSync(outPath, JSON.stringify(bundleToJSON(bundle)));
}

const [command, ...args] = process.argv.slice(2);
Promise.resolve()
  .then(() => (command === 'verify' ? verify(...args) : sign(...args)))
  .catch((err) => {
    console.error(`${err.code ?? 'error'}: ${err.message}`);
    process.exit(1);
  });
