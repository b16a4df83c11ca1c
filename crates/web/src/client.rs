//! Who is asking: the client's address behind trusted proxies (the ingress, nginx), and the
//! trusted proxies as the configuration names them. The visit counter, the login throttle and
//! the audit log all read the address from here.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

static X_FORWARDED_FOR: axum::http::HeaderName =
    axum::http::HeaderName::from_static("x-forwarded-for");

/// The client's address: the peer, or — when the peer is a trusted proxy — the last address in
/// `X-Forwarded-For` that isn't itself a trusted proxy.
pub fn client_ip(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[ProxyNet]) -> IpAddr {
    let peer = peer.map(|p| p.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let is_trusted = |a: &IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    // The nearest hop first: the last header, its last address.
    headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .rev()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .find(|a| !is_trusted(a))
        .unwrap_or(peer)
}

/// A trusted proxy in the configuration: one address (`10.0.0.2`) or a network
/// (`10.244.0.0/16`, the ingress controller's pods, whose addresses change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet(ipnet::IpNet);

impl ProxyNet {
    pub fn contains(&self, a: &IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
        let a = match a {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(*a, IpAddr::V4),
            v4 => *v4,
        };
        self.0.contains(&a)
    }
}

impl std::str::FromStr for ProxyNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(ipnet::IpNet::from))
            .map(ProxyNet)
            .map_err(|_| format!("“{s}”不是 IP 地址或网段（如 10.0.0.2 或 10.244.0.0/16）"))
    }
}

impl std::fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            n if n.prefix_len() == n.max_prefix_len() => n.addr().fmt(f),
            n => n.fmt(f),
        }
    }
}

impl serde::Serialize for ProxyNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ProxyNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let nets: Vec<ProxyNet> = ["10.0.0.2", "10.244.0.0/16", "fd00::/8"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let trusted = |s: &str| nets.iter().any(|n| n.contains(&ip(s)));
        assert!(trusted("10.0.0.2") && !trusted("10.0.0.3"));
        assert!(trusted("10.244.7.9") && !trusted("10.245.0.1"));
        assert!(trusted("::ffff:10.244.1.1"), "IPv4-mapped");
        assert!(trusted("fd12::1"));
        assert_eq!(nets[0].to_string(), "10.0.0.2");
        assert_eq!(nets[1].to_string(), "10.244.0.0/16");
        assert!("10.0.0.0/33".parse::<ProxyNet>().is_err());
        assert!("ingress".parse::<ProxyNet>().is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.9".parse().unwrap());
        let proxy: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let other: SocketAddr = "8.8.8.8:5000".parse().unwrap();
        let trusted: Vec<ProxyNet> = vec!["10.0.0.2".parse().unwrap(), "10.0.0.9".parse().unwrap()];
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(Some(other), &h, &trusted), other.ip());
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), &trusted),
            proxy.ip()
        );
    }
}
