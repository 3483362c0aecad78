//! The check of an endpoint URL against private networks when it is created or changed: its host
//! (an IP literal, or every address a name resolves to) must be public, unless the operator allows
//! private networks. A name that does not resolve (yet) is accepted: every delivery resolves and
//! checks again, and connects only to the addresses it checked.

use std::net::IpAddr;
use std::time::Duration;

use entitlements_domain::webhook::endpoint::{URL_RESOLVES_TO_PRIVATE_NETWORK, WebhookUrl};
use entitlements_domain::webhook::network::is_public_address;
use entitlements_domain::{Error, ErrorCode, ValidationErrors};

/// How long a creation waits for DNS before accepting the name unchecked.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Refuses `url` when its host is or resolves to an address that is not public. A URL that is not
/// well formed passes: the domain's validation reports it.
///
/// # Errors
/// `Validation` with `webhook_url: url_resolves_to_private_network`.
pub(crate) async fn check_public_url(url: &str, allow_private_networks: bool) -> Result<(), Error> {
    if allow_private_networks {
        return Ok(());
    }
    let Some(WebhookUrl { host, port }) = WebhookUrl::parse(url) else { return Ok(()) };
    let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(address) => vec![address],
        Err(_) => match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port))).await {
            Ok(Ok(resolved)) => resolved.map(|address| address.ip()).collect(),
            Ok(Err(_)) | Err(_) => Vec::new(),
        },
    };
    if addresses.into_iter().all(is_public_address) {
        Ok(())
    } else {
        Err(ValidationErrors::single("webhook_url", ErrorCode::Named(URL_RESOLVES_TO_PRIVATE_NETWORK)).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn private_hosts_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/x",
            "http://localhost:8080",
            "http://10.0.0.1",
            "http://[::1]/",
            "http://169.254.169.254",
        ] {
            assert!(check_public_url(url, false).await.is_err(), "{url}");
            assert!(check_public_url(url, true).await.is_ok(), "{url}");
        }
        for url in ["http://8.8.8.8/hook", "not a url", "http://name.invalid/"] {
            assert!(check_public_url(url, false).await.is_ok(), "{url}");
        }
    }
}
