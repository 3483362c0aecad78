//! The HTTP client that sends webhooks: no proxy, no redirects (Lago follows none), a timeout per
//! attempt, and, unless private networks are allowed, a resolver that refuses host names
//! resolving to any address that is not public. The connection goes to the addresses this
//! resolver checked, so a DNS answer that changes between a check and the connection (DNS
//! rebinding) cannot reach a private address; IP literals skip resolution and are checked before
//! the request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use entitlements_domain::webhook::network::is_public_address;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a delivery was not sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error("invalid webhook url: {0}")]
    InvalidUrl(String),
    #[error("refused: {0} is not a public address")]
    PrivateAddress(IpAddr),
    #[error("{0}")]
    Transport(String),
}

/// Builds the client. `allow_private_networks` turns the address checks off.
///
/// # Errors
/// When the TLS backend cannot be initialized.
pub(crate) fn webhook_client(
    timeout: Duration,
    allow_private_networks: bool,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("entitlements-webhooks/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .tcp_nodelay(true);
    if !allow_private_networks {
        builder = builder.dns_resolver(Arc::new(PublicAddressResolver));
    }
    builder.build().map_err(|error| error.to_string())
}

/// Checks the URL before a request: it must parse as http(s), and an IP literal host must be
/// public unless private networks are allowed (names are checked by the resolver).
pub(crate) fn check_url(url: &str, allow_private_networks: bool) -> Result<reqwest::Url, SendError> {
    let parsed = reqwest::Url::parse(url).map_err(|error| SendError::InvalidUrl(error.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(SendError::InvalidUrl(format!("scheme {} is not http or https", parsed.scheme())));
    }
    if !allow_private_networks {
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(SendError::InvalidUrl("no host".to_owned())),
        };
        if let Some(address) = literal.filter(|address| !is_public_address(*address)) {
            return Err(SendError::PrivateAddress(address));
        }
    }
    Ok(parsed)
}

/// Resolves with the system resolver and refuses the name when any of its addresses is not
/// public: a name that mixes public and private answers is refused whole.
#[derive(Debug)]
struct PublicAddressResolver;

impl Resolve for PublicAddressResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if let Some(refused) = addresses.iter().find(|address| !is_public_address(address.ip())) {
                return Err(Box::new(SendError::PrivateAddress(refused.ip()))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}
