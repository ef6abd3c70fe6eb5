//! PROV-SIGSTORE: a bundle file read: one Sigstore bundle, or JSON lines of several (as `gh
//! attestation download` writes them), each parsed on its own. Nothing is verified here.

use sigstore_types::Bundle;

/// The bundles of a bundle file's `text`, in order, each parsed or why not; an error when the
/// text is not a sequence of JSON documents, or holds none.
pub fn documents(text: &str) -> Result<Vec<Result<Bundle, String>>, String> {
    let values = json_lines(text, "bundle")?;
    Ok(values.into_iter().map(|value| serde_json::from_value(value).map_err(|e| e.to_string())).collect())
}

/// The JSON documents of `text`, one after another (JSON lines, or one document however laid
/// out); an error when it is not that, or holds none (of `what`).
pub(crate) fn json_lines(text: &str, what: &str) -> Result<Vec<serde_json::Value>, String> {
    let values = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let values: Vec<serde_json::Value> = values.collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    match values.is_empty() {
        true => Err(format!("the file holds no {what}")),
        false => Ok(values),
    }
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
