//! Which addresses a webhook may be sent to. By default only public ones: an endpoint URL is
//! chosen by an API caller, and without this check it could make the server reach its own
//! loopback, the cluster's private network or a cloud metadata service (server-side request
//! forgery). The check applies to every address a host name resolves to, at creation and again
//! at each delivery, and the delivery connects to the addresses it checked (so a DNS answer that
//! changes in between cannot slip through).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether a webhook may be delivered to `address` when private networks are not allowed.
pub fn is_public_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    let [first, second, ..] = address.octets();
    !(address.is_loopback()
        || address.is_private()
        // Link-local, which holds the metadata service of most clouds (169.254.169.254).
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || address.is_multicast()
        // "This network" (0.0.0.0/8): Linux routes 0.0.0.0 to the local host.
        || first == 0
        // Shared address space (100.64.0.0/10): carrier NAT, and Alibaba's metadata service.
        || (first == 100 && (64..128).contains(&second))
        // Reserved for future use (240.0.0.0/4).
        || first >= 240)
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    let first_segment = address.segments()[0];
    !(address.is_loopback()
        || address.is_unspecified()
        || address.is_multicast()
        // Unique local addresses (fc00::/7), where AWS serves metadata (fd00:ec2::254).
        || (first_segment & 0xfe00) == 0xfc00
        // Link-local unicast (fe80::/10).
        || (first_segment & 0xffc0) == 0xfe80
        // IPv4-compatible and NAT64 forms of an IPv4 address, which could hide a private one.
        || address.to_ipv4().is_some_and(|v4| !is_public_v4(v4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public_address(text.parse().expect("a test address"))
    }

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused() {
        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!public(address), "{address} must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(public(address), "{address} must be allowed");
        }
    }
}
