//! gRPC-Web on the gRPC listener, and the CORS policy that lets browsers on other origins use it.
//!
//! gRPC-Web is always on: `tonic_web` translates gRPC-Web requests (HTTP/1.1 or HTTP/2) into gRPC
//! before they reach the routes, so authentication, health and reflection behave as over gRPC.
//! CORS is off unless the operator names origins: a browser page on another origin then gets no
//! CORS headers and its calls are refused by the browser, which is the safe default for an API
//! whose key must not leak into pages.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Request headers a gRPC-Web client sends: its framing headers and our API key.
const ALLOWED_HEADERS: [&str; 5] =
    ["authorization", "content-type", "grpc-timeout", "x-grpc-web", "x-user-agent"];

/// Response headers a browser client must read: the status and its details, which gRPC-Web
/// sends as headers when an error comes before any message.
const EXPOSED_HEADERS: [&str; 3] = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

/// The origins allowed to call the gRPC services from a browser, as `--grpc-web-cors-allowed-origins`
/// reads them: empty for none, `*` for any, or a comma-separated list of origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CorsAllowedOrigins {
    /// No CORS headers at all.
    #[default]
    None,
    /// Any origin (`Access-Control-Allow-Origin: *`).
    Any,
    /// Exactly these origins, such as `https://app.example.com`.
    List(Vec<HeaderValue>),
}

/// Why `--grpc-web-cors-allowed-origins` cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CorsOriginsError {
    #[error("`*` allows every origin and cannot be combined with other origins")]
    WildcardInList,
    #[error("{origin:?} is not an origin such as https://app.example.com")]
    InvalidOrigin { origin: String },
}

impl FromStr for CorsAllowedOrigins {
    type Err = CorsOriginsError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let origins: Vec<&str> = text.split(',').map(str::trim).filter(|origin| !origin.is_empty()).collect();
        match origins.as_slice() {
            [] => Ok(Self::None),
            ["*"] => Ok(Self::Any),
            _ if origins.contains(&"*") => Err(CorsOriginsError::WildcardInList),
            _ => origins.iter().map(|origin| parse_origin(origin)).collect::<Result<_, _>>().map(Self::List),
        }
    }
}

/// An origin is `scheme://host[:port]`, with nothing after the authority (browsers send exactly
/// that in `Origin`, so anything else would never match).
fn parse_origin(origin: &str) -> Result<HeaderValue, CorsOriginsError> {
    let invalid = || CorsOriginsError::InvalidOrigin { origin: origin.to_owned() };
    let (scheme, authority) = origin.split_once("://").ok_or_else(invalid)?;
    let well_formed = !scheme.is_empty()
        && scheme.chars().all(|character| character.is_ascii_alphanumeric() || "+-.".contains(character))
        && !authority.is_empty()
        && !authority.chars().any(|character| character.is_whitespace() || "/?#@".contains(character));
    if !well_formed {
        return Err(invalid());
    }
    HeaderValue::from_str(origin).map_err(|_| invalid())
}

impl fmt::Display for CorsAllowedOrigins {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Any => formatter.write_str("*"),
            Self::List(origins) => {
                let texts: Vec<&str> =
                    origins.iter().map(|origin| origin.to_str().unwrap_or_default()).collect();
                formatter.write_str(&texts.join(","))
            }
        }
    }
}

impl CorsAllowedOrigins {
    /// The CORS layer for these origins; `None` when no origin is allowed, so that no CORS header
    /// is ever sent (not even `Vary`).
    pub(crate) fn layer(&self) -> Option<CorsLayer> {
        let allow_origin = match self {
            Self::None => return None,
            Self::Any => AllowOrigin::any(),
            Self::List(origins) => AllowOrigin::list(origins.iter().cloned()),
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow_origin)
                .allow_methods([Method::POST])
                .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
                .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
                .max_age(PREFLIGHT_MAX_AGE),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<CorsAllowedOrigins, CorsOriginsError> {
        text.parse()
    }

    #[test]
    fn empty_means_no_cors() {
        assert_eq!(parsed(""), Ok(CorsAllowedOrigins::None));
        assert_eq!(parsed(" , "), Ok(CorsAllowedOrigins::None));
        assert!(CorsAllowedOrigins::None.layer().is_none());
    }

    #[test]
    fn a_star_allows_any_origin() {
        assert_eq!(parsed(" * "), Ok(CorsAllowedOrigins::Any));
        assert_eq!(parsed("*,https://a.example"), Err(CorsOriginsError::WildcardInList));
    }

    #[test]
    fn a_list_keeps_each_origin() {
        let origins = parsed("https://a.example, http://localhost:5173").expect("two origins");
        assert_eq!(origins.to_string(), "https://a.example,http://localhost:5173");
        assert!(origins.layer().is_some());
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        for junk in ["a.example", "https://", "https://a.example/path", "://a.example", "https://a b"] {
            assert_eq!(
                parsed(junk),
                Err(CorsOriginsError::InvalidOrigin { origin: junk.to_owned() }),
                "{junk}"
            );
        }
    }
}
