//! How a delivery is signed. Lago's `X-Lago-Signature` is either a JWT (RS256 with the
//! installation's key pair, claims `{"data": <body>, "iss": <public API URL>}`) or the Base64
//! HMAC-SHA256 of the body under the organization's HMAC key. On top, every delivery carries the
//! Standard Webhooks signature (`v1,` HMAC over `id.timestamp.body` with the endpoint's `whsec_`
//! secret), which binds a timestamp so that receivers can refuse replays.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::rand_core::{OsRng, RngCore};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

/// The size of a generated key, OpenSSL's default and Lago's.
const RSA_KEY_BITS: usize = 2048;

/// The prefix of an endpoint's Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// Why a private key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the webhook signing key is not an RSA private key in PEM (PKCS#8 or PKCS#1): {0}")]
pub struct SigningKeyError(String);

/// The installation's RSA key pair, which signs `jwt` deliveries.
#[derive(Clone)]
pub struct WebhookSigningKey {
    signing_key: SigningKey<Sha256>,
    private_key_pem: String,
    public_key_pem: String,
}

impl fmt::Debug for WebhookSigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the private key.
        formatter.debug_struct("WebhookSigningKey").field("public_key_pem", &self.public_key_pem).finish()
    }
}

impl WebhookSigningKey {
    /// A new 2048-bit key pair (slow: a fraction of a second; run it off the async runtime).
    ///
    /// # Errors
    /// When the system's random source fails.
    pub fn generate() -> Result<Self, SigningKeyError> {
        let private_key = RsaPrivateKey::new(&mut OsRng, RSA_KEY_BITS)
            .map_err(|error| SigningKeyError(error.to_string()))?;
        Self::from_private_key(private_key)
    }

    /// The key in `text`: a PEM private key (PKCS#8 `BEGIN PRIVATE KEY` or PKCS#1
    /// `BEGIN RSA PRIVATE KEY`), or that PEM in Base64 as Lago's `LAGO_RSA_PRIVATE_KEY` holds it.
    ///
    /// # Errors
    /// When `text` holds no RSA private key.
    pub fn from_pem(text: &str) -> Result<Self, SigningKeyError> {
        let pem = if text.contains("-----BEGIN") {
            text.to_owned()
        } else {
            let compact: String = text.split_whitespace().collect();
            let bytes = STANDARD.decode(compact).map_err(|error| SigningKeyError(error.to_string()))?;
            String::from_utf8(bytes).map_err(|error| SigningKeyError(error.to_string()))?
        };
        let private_key = RsaPrivateKey::from_pkcs8_pem(&pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(&pem))
            .map_err(|error| SigningKeyError(error.to_string()))?;
        Self::from_private_key(private_key)
    }

    fn from_private_key(private_key: RsaPrivateKey) -> Result<Self, SigningKeyError> {
        let private_key_pem = private_key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|error| SigningKeyError(error.to_string()))?
            .to_string();
        let public_key_pem = RsaPublicKey::from(&private_key)
            .to_public_key_pem(LineEnding::LF)
            .map_err(|error| SigningKeyError(error.to_string()))?;
        Ok(Self { signing_key: SigningKey::new(private_key), private_key_pem, public_key_pem })
    }

    /// The private key as PKCS#8 PEM, to keep it in the database.
    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    /// The public key as an X.509 SubjectPublicKeyInfo PEM.
    pub fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    /// What Lago's public key routes answer: the PEM in MIME Base64 (Ruby's `Base64.encode64`: a
    /// line break after every 60 characters and at the end). Receivers decode it once to a PEM.
    pub fn public_key_base64(&self) -> String {
        let encoded = STANDARD.encode(self.public_key_pem.as_bytes());
        let mut lines = String::with_capacity(encoded.len() + encoded.len() / 60 + 1);
        for line in encoded.as_bytes().chunks(60) {
            // Base64 is ASCII, so every chunk is valid UTF-8.
            lines.push_str(&String::from_utf8_lossy(line));
            lines.push('\n');
        }
        lines
    }

    /// Lago's JWT for `body`: header `{"alg":"RS256"}`, claims `{"data": body, "iss": issuer}`.
    pub fn jwt(&self, body: &str, issuer: Option<&str>) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let claims = serde_json::json!({ "data": body, "iss": issuer });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let signature = self.signing_key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

/// Lago's `hmac` signature: Base64 (with padding) of HMAC-SHA256 of the body under the
/// organization's HMAC key, taken as raw bytes.
pub fn hmac_signature(hmac_key: &str, body: &str) -> String {
    STANDARD.encode(hmac_sha256(hmac_key.as_bytes(), &[body.as_bytes()]))
}

/// A new endpoint secret for the Standard Webhooks signature: `whsec_` and 32 random bytes in
/// Base64.
pub fn generate_endpoint_secret() -> String {
    let mut bytes = [0_u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// A new organization HMAC key: a random UUID string, as Lago makes them.
pub fn generate_hmac_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The Standard Webhooks `webhook-signature` value: `v1,` and the Base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the secret's decoded bytes.
///
/// # Errors
/// When `secret` is not `whsec_` followed by Base64.
pub fn standard_webhooks_signature(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, SigningKeyError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = STANDARD.decode(encoded).map_err(|error| SigningKeyError(error.to_string()))?;
    let timestamp = timestamp.to_string();
    let digest =
        hmac_sha256(&key, &[message_id.as_bytes(), b".", timestamp.as_bytes(), b".", body.as_bytes()]);
    Ok(format!("v1,{}", STANDARD.encode(digest)))
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    use super::*;

    #[test]
    fn a_jwt_verifies_with_the_public_key_and_carries_the_body() {
        let key = WebhookSigningKey::generate().expect("a key");
        let body = r#"{"webhook_type":"feature.created"}"#;
        let token = key.jwt(body, Some("https://api.example.com"));
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).expect("base64"), br#"{"alg":"RS256"}"#);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
        assert_eq!(claims, serde_json::json!({"data": body, "iss": "https://api.example.com"}));

        let pem = String::from_utf8(STANDARD.decode(key.public_key_base64().replace('\n', "")).expect("b64"))
            .expect("utf-8");
        let public_key = RsaPublicKey::from_public_key_pem(&pem).expect("a public key");
        let signature =
            Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).expect("base64").as_slice()).expect("sig");
        VerifyingKey::<Sha256>::new(public_key)
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies");
    }

    #[test]
    fn the_public_key_text_is_mime_base64_of_the_pem() {
        let key = WebhookSigningKey::generate().expect("a key");
        let text = key.public_key_base64();
        assert!(text.ends_with('\n'));
        assert!(text.lines().all(|line| line.len() <= 60));
        assert!(text.lines().rev().skip(1).all(|line| line.len() == 60));
        assert!(key.public_key_pem().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn a_key_survives_its_pem_and_lagos_base64_form() {
        let key = WebhookSigningKey::generate().expect("a key");
        let again = WebhookSigningKey::from_pem(key.private_key_pem()).expect("pem");
        assert_eq!(again.public_key_pem(), key.public_key_pem());
        let lago_form = STANDARD.encode(key.private_key_pem());
        let again = WebhookSigningKey::from_pem(&lago_form).expect("base64 pem");
        assert_eq!(again.public_key_pem(), key.public_key_pem());
        assert!(WebhookSigningKey::from_pem("not a key").is_err());
    }

    #[test]
    fn hmac_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            STANDARD.decode(hmac_signature("Jefe", "what do ya want for nothing?")).expect("b64"),
            hex_bytes("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        );
    }

    #[test]
    fn standard_webhooks_signature_matches_the_specification_example() {
        // The example of the Standard Webhooks specification.
        let signature = standard_webhooks_signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        )
        .expect("a secret");
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    fn hex_bytes(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex")).collect()
    }
}
