//! Which cluster this process belongs to: `RDDFLOW_HOSTS`, `RDDFLOW_PROCESS`, and the
//! session identity checked at every connection.

use std::time::Duration;

use crate::error::{Error, Result};

/// Comma-separated `host:port` of every process, in process order, or `@path` of a file with
/// one per line.
pub const HOSTS: &str = "RDDFLOW_HOSTS";
/// This process's 0-based index in `RDDFLOW_HOSTS`.
pub const PROCESS: &str = "RDDFLOW_PROCESS";
/// An optional token mixed into the session identity (`processes(n)` sets a fresh one for its
/// children), so that two clusters on the same ports never connect to each other.
pub const SESSION: &str = "RDDFLOW_SESSION";

/// A cluster as this process sees it.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Every process's address, in process order.
    pub hosts: Vec<String>,
    /// This process's index.
    pub index: usize,
    /// Bound of the wait for peers at start.
    pub timeout: Duration,
    /// The session identity every connection must carry.
    pub session: u64,
}

impl Spec {
    /// A spec for `hosts`, this process being `index`, with the session identity made from
    /// the hosts and `token`.
    pub fn new(hosts: Vec<String>, index: usize, token: &str, timeout: Duration) -> Result<Spec> {
        if hosts.is_empty() {
            return Err(invalid(format!("{HOSTS} lists no host")));
        }
        if index >= hosts.len() {
            return Err(invalid(format!(
                "{PROCESS}={index} but {HOSTS} lists {} host(s)",
                hosts.len()
            )));
        }
        let mut id = xxhash_rust::xxh3::Xxh3::new();
        id.update(b"rddflow-cluster-1");
        for h in &hosts {
            id.update(h.as_bytes());
            id.update(b",");
        }
        id.update(token.as_bytes());
        Ok(Spec {
            hosts,
            index,
            timeout,
            session: id.digest(),
        })
    }
}

fn invalid(m: String) -> Error {
    Error::Cluster {
        process: None,
        host: None,
        message: m,
    }
}

/// The cluster named by the environment, or `None` when `RDDFLOW_HOSTS` is unset (local mode).
pub fn spec_from_env(timeout: Duration) -> Result<Option<Spec>> {
    let Ok(hosts) = std::env::var(HOSTS) else {
        return Ok(None);
    };
    let hosts = parse_hosts(&hosts)?;
    let index = std::env::var(PROCESS)
        .map_err(|_| invalid(format!("{HOSTS} is set but {PROCESS} is not")))?;
    let index: usize = index
        .trim()
        .parse()
        .map_err(|_| invalid(format!("{PROCESS}={index:?} is not a process index")))?;
    let token = std::env::var(SESSION).unwrap_or_default();
    Spec::new(hosts, index, &token, timeout).map(Some)
}

/// `h:p,h:p` or `@file` (one `host:port` per line; blank lines and `#` comments skipped).
pub fn parse_hosts(value: &str) -> Result<Vec<String>> {
    let text;
    let list: Vec<&str> = if let Some(path) = value.strip_prefix('@') {
        text =
            std::fs::read_to_string(path).map_err(|e| Error::io("read the hosts file", path, e))?;
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    } else {
        value
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .collect()
    };
    for h in &list {
        if !h.contains(':') {
            return Err(invalid(format!("{HOSTS}: `{h}` is not `host:port`")));
        }
    }
    Ok(list.into_iter().map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_a_list_and_a_file() {
        assert_eq!(
            parse_hosts("a:1, b:2,").unwrap(),
            vec!["a:1".to_string(), "b:2".to_string()]
        );
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hosts");
        std::fs::write(&f, "# cluster\na:1\n\nb:2\n").unwrap();
        assert_eq!(
            parse_hosts(&format!("@{}", f.display())).unwrap(),
            vec!["a:1".to_string(), "b:2".to_string()]
        );
        assert!(matches!(parse_hosts("nohost"), Err(Error::Cluster { .. })));
    }

    #[test]
    fn session_identity_depends_on_hosts_and_token() {
        let t = Duration::from_secs(1);
        let a = Spec::new(vec!["h:1".into(), "h:2".into()], 0, "x", t).unwrap();
        let b = Spec::new(vec!["h:1".into(), "h:2".into()], 1, "x", t).unwrap();
        let c = Spec::new(vec!["h:1".into(), "h:2".into()], 0, "y", t).unwrap();
        assert_eq!(a.session, b.session);
        assert_ne!(a.session, c.session);
        assert!(Spec::new(vec!["h:1".into()], 1, "", t).is_err());
    }
}
