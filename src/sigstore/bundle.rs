//! PROV-SIGSTORE: a bundle file read: one Sigstore bundle, or JSON lines of several (as `gh
//! attestation download` writes them), each parsed on its own. Nothing is verified here.

use sigstore_types::Bundle;

/// The bundles of a bundle file's `text`, in order, each parsed or why not; an error when the
/// text is not a sequence of JSON documents, or holds none.
pub fn documents(text: &str) -> Result<Vec<Result<Bundle, String>>, String> {
    let values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let values: Vec<serde_json::Value> = values.collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    if values.is_empty() {
        return Err("the file holds no bundle".to_owned());
    }
    Ok(values.into_iter().map(|value| serde_json::from_value(value).map_err(|e| e.to_string())).collect())
}

#[cfg(test)]
mod tests {
    use super::documents;

    #[test]
    fn prov_sigstore_bundle_file_of_json_lines() {
        let bundle = r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"k"},"tlogEntries":[]},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AA==","keyid":"k"}]}}"#;
        let read = documents(&format!("{bundle}\n{{\"mediaType\":1}}\n{bundle}\n")).unwrap();
        assert_eq!(read.len(), 3);
        assert!(read[0].is_ok() && read[1].is_err() && read[2].is_ok(), "{read:?}");
        assert_eq!(documents(" \n").unwrap_err(), "the file holds no bundle");
        assert!(documents("{").is_err());
    }
}
