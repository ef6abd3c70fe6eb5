//! Ed25519 keys in the files people already have (spec: `PROV-KEYS`, `PROV-KEYID`). Key material
//! never reaches a message: errors name the file and what it holds, never its bytes.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// A key to sign with.
pub struct PrivateKey(SigningKey);

/// A key to check signatures with.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// A private key as loaded, with what is wrong with how its file is kept.
pub struct Loaded {
    pub key: PrivateKey,
    /// The file is readable by group or others.
    pub exposed: Option<Exposed>,
}

/// PROV-KEYS: a private key file that others on the machine can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposed {
    pub path: PathBuf,
    pub mode: u32,
}

impl fmt::Display for Exposed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        write!(
            f,
            "private key `{path}` is readable by group or others (mode {:04o}): anyone who can read it can sign \
             as you; restrict it with `chmod 600 {path}`",
            self.mode & 0o7777
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read key file `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a key file cargo seal reads: expected {expected}", path.display())]
    Unrecognized { path: PathBuf, expected: &'static str },
    #[error("`{}` is not a valid {format}: {reason}", path.display())]
    Invalid { path: PathBuf, format: &'static str, reason: String },
    #[error(
        "`{}` holds {algorithm} key; cargo seal signs with ed25519 keys: make one with `cargo seal keygen <KEYFILE>` \
         or `ssh-keygen -t ed25519`",
        path.display()
    )]
    NotEd25519 { path: PathBuf, algorithm: String },
    #[error(
        "`{}` is protected by a passphrase, which cargo seal does not ask for: sign with an unencrypted copy \
         (`{fix}`) kept where only you can read it",
        path.display()
    )]
    Encrypted { path: PathBuf, fix: &'static str },
    #[error("`{}` holds a public key; signing needs the private key (the file without `.pub`)", path.display())]
    PublicNotPrivate { path: PathBuf },
    #[error("`{}` holds a private key; pass the public key (`{}.pub`, as `cargo seal keygen` writes it)", path.display(), path.display())]
    PrivateNotPublic { path: PathBuf },
    #[error("refusing to overwrite `{}`: choose another key file name, or remove it if it is no longer needed", path.display())]
    Exists { path: PathBuf },
    #[error("failed to write `{}`", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the operating system gave no random bytes for a new key: {0}")]
    Random(String),
}

impl PrivateKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<Self, Error> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| Error::Random(e.to_string()))?;
        Ok(PrivateKey(SigningKey::from_bytes(&seed)))
    }

    /// RFC 8032 key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        PrivateKey(SigningKey::from_bytes(seed))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// PROV-KEYS: PKCS#8 v1 PEM (RFC 8410: seed only, no public key), the layout OpenSSL 3.0
    /// and pyca/cryptography read; the v2 layout ed25519-dalek writes is refused by both.
    fn to_pkcs8_pem(&self) -> zeroize::Zeroizing<String> {
        let bytes = ed25519_dalek::pkcs8::KeypairBytes { secret_key: self.0.to_bytes(), public_key: None };
        bytes.to_pkcs8_pem(LineEnding::LF).expect("a 32-byte seed always encodes")
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(keyid {})", self.public().keyid())
    }
}

impl PublicKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        VerifyingKey::from_bytes(bytes).ok().map(PublicKey)
    }

    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// PROV-KEYID: securesystemslib's default keyid, the sha256 of the key's canonical JSON.
    pub fn keyid(&self) -> String {
        let canonical =
            format!(r#"{{"keytype":"ed25519","keyval":{{"public":"{}"}},"scheme":"ed25519"}}"#, self.to_hex());
        hex(&Sha256::digest(canonical.as_bytes()))
    }

    /// RFC 8032 verification, refusing the malleable and weak-key forms (`verify_strict`).
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|sig| self.0.verify_strict(message, &sig).is_ok())
    }

    fn to_spki_pem(&self) -> String {
        self.0.to_public_key_pem(LineEnding::LF).expect("a public key always encodes")
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

const PRIVATE_FORMATS: &str = "an ed25519 private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`, \
     as `cargo seal keygen` and `openssl genpkey -algorithm ed25519` write) or OpenSSH (`ssh-keygen -t ed25519`)";
const PUBLIC_FORMATS: &str = "an ed25519 public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), an \
     `ssh-ed25519 AAAA…` line, 64 hexadecimal digits, or a securesystemslib key in JSON";

/// PROV-KEYS: reads the private key at `path`.
pub fn load_private(path: &Path) -> Result<Loaded, Error> {
    let text = read_key_file(path)?;
    let invalid = |format, reason: String| Error::Invalid { path: path.to_owned(), format, reason };
    let key = if text.contains("-----BEGIN PRIVATE KEY-----") {
        let key = SigningKey::from_pkcs8_pem(&text).map_err(|e| match e {
            ed25519_dalek::pkcs8::Error::KeyMalformed | ed25519_dalek::pkcs8::Error::Asn1(_) => {
                invalid("PKCS#8 private key", e.to_string())
            }
            _ => Error::NotEd25519 { path: path.to_owned(), algorithm: "another algorithm's".to_owned() },
        })?;
        PrivateKey(key)
    } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(Error::Encrypted { path: path.to_owned(), fix: "openssl pkey -in KEY -out COPY" });
    } else if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let key = ssh_key::PrivateKey::from_openssh(text.trim())
            .map_err(|e| invalid("OpenSSH private key", e.to_string()))?;
        if key.is_encrypted() {
            return Err(Error::Encrypted { path: path.to_owned(), fix: "cp KEY COPY && ssh-keygen -p -N '' -f COPY" });
        }
        let pair = key
            .key_data()
            .ed25519()
            .ok_or_else(|| Error::NotEd25519 { path: path.to_owned(), algorithm: algorithm(key.algorithm()) })?;
        PrivateKey(SigningKey::try_from(pair).map_err(|e| invalid("OpenSSH private key", e.to_string()))?)
    } else if let Some(label) = ["RSA", "EC", "DSA"].iter().find(|l| text.contains(&format!("BEGIN {l} PRIVATE KEY"))) {
        return Err(Error::NotEd25519 { path: path.to_owned(), algorithm: format!("an {label}") });
    } else if public_key_text(&text).is_some() {
        return Err(Error::PublicNotPrivate { path: path.to_owned() });
    } else {
        return Err(Error::Unrecognized { path: path.to_owned(), expected: PRIVATE_FORMATS });
    };
    Ok(Loaded { key, exposed: exposed(path) })
}

/// PROV-KEYS: reads the public key at `path`, or `arg` itself when it is 64 hex digits and no
/// such file exists.
pub fn load_public(arg: &Path) -> Result<PublicKey, Error> {
    if !arg.exists()
        && let Some(key) = arg.to_str().and_then(raw_hex)
    {
        return key.ok_or_else(|| Error::Invalid {
            path: arg.to_owned(),
            format: "ed25519 public key",
            reason: "the 32 bytes are not a point on the curve".to_owned(),
        });
    }
    let text = read_key_file(arg)?;
    match public_key_text(&text) {
        Some(Ok(key)) => Ok(key),
        Some(Err((format, reason))) => Err(Error::Invalid { path: arg.to_owned(), format, reason }),
        None if text.contains("PRIVATE KEY-----") => Err(Error::PrivateNotPublic { path: arg.to_owned() }),
        None => Err(Error::Unrecognized { path: arg.to_owned(), expected: PUBLIC_FORMATS }),
    }
}

type Parsed = Result<PublicKey, (&'static str, String)>;

/// The public key `text` holds, if it is in one of the public formats.
fn public_key_text(text: &str) -> Option<Parsed> {
    let text = text.trim();
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        return Some(
            VerifyingKey::from_public_key_pem(text).map(PublicKey).map_err(|e| ("SPKI public key", e.to_string())),
        );
    }
    if let Some(key) = raw_hex(text) {
        return Some(key.ok_or(("ed25519 public key", "the 32 bytes are not a point on the curve".to_owned())));
    }
    if text.starts_with('{') {
        return sslib_key(text);
    }
    // An `authorized_keys`-style file: the first line that names a key type.
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let kind = line.split_whitespace().next()?;
    if !kind.starts_with("ssh-") && !kind.starts_with("ecdsa-") && !kind.starts_with("sk-") {
        return None;
    }
    let parsed = ssh_key::PublicKey::from_openssh(line).map_err(|e| ("OpenSSH public key", e.to_string()));
    Some(parsed.and_then(|key| {
        let ed = key
            .key_data()
            .ed25519()
            .ok_or_else(|| ("ed25519 public key", format!("it is {} key", algorithm(key.algorithm()))))?;
        VerifyingKey::try_from(ed).map(PublicKey).map_err(|e| ("OpenSSH public key", e.to_string()))
    }))
}

/// `{"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "<hex>"}}`.
fn sslib_key(text: &str) -> Option<Parsed> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let public = json.pointer("/keyval/public")?.as_str()?;
    const FORMAT: &str = "securesystemslib key";
    if json["keytype"] != "ed25519" || json["scheme"] != "ed25519" {
        return Some(Err((FORMAT, "its keytype and scheme are not `ed25519`".to_owned())));
    }
    match raw_hex(public) {
        Some(key) => Some(key.ok_or((FORMAT, "the 32 bytes are not a point on the curve".to_owned()))),
        None => Some(Err((FORMAT, "`keyval.public` is not 64 hexadecimal digits".to_owned()))),
    }
}

/// `Some` when `text` is 64 hex digits; inside, `None` when they are not a valid key.
fn raw_hex(text: &str) -> Option<Option<PublicKey>> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(PublicKey::from_bytes(&bytes))
}

fn algorithm(algorithm: ssh_key::Algorithm) -> String {
    format!("an {algorithm}")
}

fn read_key_file(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    String::from_utf8(bytes)
        .map_err(|_| Error::Unrecognized { path: path.to_owned(), expected: "a text key file (PEM, OpenSSH or hex)" })
}

#[cfg(unix)]
fn exposed(path: &Path) -> Option<Exposed> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| Exposed { path: path.to_owned(), mode })
}

#[cfg(not(unix))]
fn exposed(_: &Path) -> Option<Exposed> {
    None
}

/// What `keygen` wrote.
#[derive(Debug)]
pub struct Generated {
    pub public: PublicKey,
    pub private_path: PathBuf,
    pub public_path: PathBuf,
}

/// PROV-KEYGEN: a new key in `path` (PKCS#8 v1 PEM, mode 0600) and `path.pub` (SPKI PEM).
/// Neither file may exist; nothing is left behind when one cannot be written.
pub fn generate(path: &Path) -> Result<Generated, Error> {
    let public_path = {
        let mut name = path.as_os_str().to_owned();
        name.push(".pub");
        PathBuf::from(name)
    };
    for existing in [path, public_path.as_path()] {
        if existing.symlink_metadata().is_ok() {
            return Err(Error::Exists { path: existing.to_owned() });
        }
    }
    let key = PrivateKey::generate()?;
    let public = key.public();
    create_new(path, key.to_pkcs8_pem().as_bytes(), 0o600)?;
    if let Err(e) = create_new(&public_path, public.to_spki_pem().as_bytes(), 0o644) {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(Generated { public, private_path: path.to_owned(), public_path })
}

/// Writes a file that must not exist yet, with `mode` (less the umask) from the start.
fn create_new(path: &Path, contents: &[u8], mode: u32) -> Result<(), Error> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => Error::Exists { path: path.to_owned() },
        _ => Error::Write { path: path.to_owned(), source },
    })?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    written.map_err(|source| {
        let _ = std::fs::remove_file(path);
        Error::Write { path: path.to_owned(), source }
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 8032 §7.1 TEST 1's secret key, for tests with known answers.
#[cfg(test)]
pub(crate) const RFC8032_SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5,
    0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = RFC8032_SEED;
    const PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn rfc8032_test_1_public_key_and_signature() {
        let key = PrivateKey::from_seed(&SEED);
        assert_eq!(key.public().to_hex(), PUBLIC);
        // RFC 8032 §7.1 TEST 1: the empty message.
        let expected = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
        assert_eq!(hex(&key.sign(b"")), expected);
    }

    #[test]
    fn prov_keyid_is_securesystemslib_default() {
        // Value computed by securesystemslib 1.6.0 (`SSlibKey.from_crypto`) for the RFC 8032 key,
        // recorded in the project's provenance research.
        let key = PrivateKey::from_seed(&SEED).public();
        assert_eq!(key.keyid(), "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916");
    }

    #[test]
    fn prov_keys_pkcs8_v1_layout() {
        // RFC 8410 v1 prefix followed by the seed: what OpenSSL and pyca/cryptography write.
        let pem = PrivateKey::from_seed(&SEED).to_pkcs8_pem();
        let der = ed25519_dalek::pkcs8::SecretDocument::from_pem(&pem).unwrap().1;
        assert_eq!(hex(der.as_bytes()), format!("302e020100300506032b657004220420{}", hex(&SEED)));
        let spki = PrivateKey::from_seed(&SEED).public().to_spki_pem();
        assert!(spki.contains("MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="), "{spki}");
    }

    #[test]
    fn prov_keys_public_forms_agree() {
        let expected = PrivateKey::from_seed(&SEED).public();
        let forms = [
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea someone@example\n",
            "# a comment\n\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n",
            "D75A980182B10AB7D54BFED3C964073A0EE172F3DAA62325AF021A68F707511A\n",
            r#"{"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}}"#,
        ];
        for form in forms {
            assert_eq!(public_key_text(form).unwrap().unwrap(), expected, "{form}");
        }
        assert!(public_key_text("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7").unwrap().is_err());
        assert!(public_key_text("hello").is_none());
    }
}
