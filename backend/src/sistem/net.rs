//! Who the client is when the server sits behind a reverse proxy: `X-Forwarded-For` is
//! believed only when the connection comes from a configured proxy
//! (`SAKTI_TRUSTED_PROXIES`), so the audit trail and the per-address login limit see the
//! real client and a client cannot name itself by sending the header.

use ipnet::IpNet;
use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a list of addresses or CIDR blocks separated by commas or spaces
    /// (`10.0.0.5, 10.1.0.0/16, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in list.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("bukan alamat IP atau CIDR: {item:?}"))?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }

    /// True when no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, addr: IpAddr) -> bool {
        let addr = canonical(addr);
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then, reading
    /// `X-Forwarded-For` from the right, the first address that is not a trusted proxy (the
    /// left part of the header is whatever the client sent and proves nothing).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).collect::<Vec<_>>();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(canonical) {
                Ok(addr) if self.trusts(addr) => client = addr,
                Ok(addr) => return addr,
                // a hop that is not an address: stop at the last one we could believe
                Err(_) => return client,
            }
        }
        client
    }
}

impl std::fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

/// IPv4 written as IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports it) as plain IPv4.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.5, 172.16.0.0/12").unwrap();
        // straight from a client: its header is ignored
        assert_eq!(proxies.client(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));
        // through the proxy: the address the proxy saw
        assert_eq!(proxies.client(ip("10.0.0.5"), &["198.51.100.1"]), ip("198.51.100.1"));
        // a forged left part is skipped: the rightmost untrusted hop is the client
        assert_eq!(proxies.client(ip("10.0.0.5"), &["1.2.3.4, 198.51.100.1"]), ip("198.51.100.1"));
        // two proxies in a row, over two header lines
        assert_eq!(proxies.client(ip("10.0.0.5"), &["198.51.100.1", "172.16.3.4"]), ip("198.51.100.1"));
        // nothing but proxies, or no header: the last proxy
        assert_eq!(proxies.client(ip("10.0.0.5"), &[]), ip("10.0.0.5"));
        assert_eq!(proxies.client(ip("10.0.0.5"), &["garbage"]), ip("10.0.0.5"));
        // IPv4 seen through a dual-stack socket
        assert_eq!(proxies.client(ip("::ffff:10.0.0.5"), &["198.51.100.1"]), ip("198.51.100.1"));
    }

    #[test]
    fn no_trusted_proxy_means_the_peer() {
        let none = TrustedProxies::parse("").unwrap();
        assert!(none.is_empty());
        assert_eq!(none.client(ip("127.0.0.1"), &["1.2.3.4"]), ip("127.0.0.1"));
    }

    #[test]
    fn a_bad_entry_is_named() {
        let err = TrustedProxies::parse("10.0.0.0/8, proxy.local").unwrap_err();
        assert!(err.contains("proxy.local"), "{err}");
    }
}
