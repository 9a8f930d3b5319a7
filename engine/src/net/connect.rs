//! The connections between processes, made here rather than by timely so that the wait is
//! bounded (`cluster_timeout`) and each connection proves it belongs to this cluster: process
//! `i` connects to every lower-numbered process and accepts every higher-numbered one (timely's
//! convention), and both ends exchange a hello carrying the session identity and their index.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::env::Spec;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"rddflow1";
/// How long one hello may take once connected.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);

/// One connected socket per peer (`None` at this process's own index), and a clone of each to
/// shut down if this process's worker fails (so the peers see it at once instead of waiting).
pub(super) type Sockets = (Vec<Option<TcpStream>>, Vec<TcpStream>);

/// Connects to every peer within `spec.timeout`.
pub(super) fn connect_all(spec: &Spec) -> Result<Sockets> {
    let deadline = Instant::now() + spec.timeout;
    let me = spec.index;
    let n = spec.hosts.len();
    let listener = if me + 1 < n { Some(bind(spec)?) } else { None };
    let mut sockets: Vec<Option<TcpStream>> = (0..n).map(|_| None).collect();
    // The accepting side runs beside the connecting side: a process may be waiting on a lower
    // one while a higher one waits on it.
    let accepted = std::thread::scope(|s| {
        let acceptor = listener.map(|l| s.spawn(move || accept_higher(spec, l, deadline)));
        for (j, slot) in sockets.iter_mut().enumerate().take(me) {
            *slot = Some(connect_lower(spec, j, deadline)?);
        }
        match acceptor {
            Some(a) => a.join().unwrap_or_else(|_| {
                Err(cluster(
                    None,
                    None,
                    "the connection acceptor panicked".into(),
                ))
            }),
            None => Ok(Vec::new()),
        }
    })?;
    for (j, s) in accepted {
        sockets[j] = Some(s);
    }
    let mut keep = Vec::new();
    for s in sockets.iter().flatten() {
        s.set_read_timeout(None).map_err(|e| io_error(spec, e))?;
        s.set_write_timeout(None).map_err(|e| io_error(spec, e))?;
        s.set_nodelay(true).map_err(|e| io_error(spec, e))?;
        keep.push(s.try_clone().map_err(|e| io_error(spec, e))?);
    }
    Ok((sockets, keep))
}

fn bind(spec: &Spec) -> Result<TcpListener> {
    let me = spec.index;
    let addr = &spec.hosts[me];
    TcpListener::bind(addr.as_str()).map_err(|e| {
        cluster(
            Some(me),
            Some(addr),
            format!("cannot listen on {addr}: {e}"),
        )
    })
}

fn connect_lower(spec: &Spec, j: usize, deadline: Instant) -> Result<TcpStream> {
    let host = &spec.hosts[j];
    let mut last = String::from("no answer");
    while Instant::now() < deadline {
        match resolve(host).and_then(|a| {
            TcpStream::connect_timeout(&a, Duration::from_secs(1)).map_err(|e| e.to_string())
        }) {
            Ok(mut s) => match hello(&mut s, spec, j) {
                Ok(()) => return Ok(s),
                Err(e) => last = e,
            },
            Err(e) => last = e,
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(cluster(
        Some(j),
        Some(host),
        format!(
            "did not answer within the cluster timeout ({:?}): {last}",
            spec.timeout
        ),
    ))
}

fn accept_higher(
    spec: &Spec,
    listener: TcpListener,
    deadline: Instant,
) -> Result<Vec<(usize, TcpStream)>> {
    let n = spec.hosts.len();
    let mut got: Vec<(usize, TcpStream)> = Vec::new();
    listener
        .set_nonblocking(true)
        .map_err(|e| io_error(spec, e))?;
    while got.len() < n - spec.index - 1 {
        if Instant::now() >= deadline {
            let missing = (spec.index + 1..n)
                .find(|j| !got.iter().any(|(k, _)| k == j))
                .unwrap_or(n - 1);
            return Err(cluster(
                Some(missing),
                Some(&spec.hosts[missing]),
                format!(
                    "did not connect within the cluster timeout ({:?})",
                    spec.timeout
                ),
            ));
        }
        match listener.accept() {
            Ok((mut s, _)) => {
                if s.set_nonblocking(false).is_err() {
                    continue;
                }
                // A stranger (another cluster on the same port, a port scanner) is dropped
                // and the wait goes on.
                if let Ok(j) = answer(&mut s, spec)
                    && j > spec.index
                    && !got.iter().any(|(k, _)| *k == j)
                {
                    got.push((j, s));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(io_error(spec, e)),
        }
    }
    Ok(got)
}

fn hello_bytes(spec: &Spec) -> [u8; 24] {
    let mut b = [0u8; 24];
    b[..8].copy_from_slice(MAGIC);
    b[8..16].copy_from_slice(&spec.session.to_le_bytes());
    b[16..].copy_from_slice(&(spec.index as u64).to_le_bytes());
    b
}

/// Reads a peer's hello: its index, if it belongs to this session.
fn read_hello(s: &mut TcpStream, spec: &Spec) -> std::result::Result<usize, String> {
    let mut b = [0u8; 24];
    s.read_exact(&mut b).map_err(|e| e.to_string())?;
    if &b[..8] != MAGIC {
        return Err("not an rddflow process".into());
    }
    if b[8..16] != spec.session.to_le_bytes() {
        return Err("a process of another cluster (different hosts or session)".into());
    }
    let idx = u64::from_le_bytes(b[16..].try_into().expect("8 bytes")) as usize;
    if idx >= spec.hosts.len() {
        return Err(format!("bad process index {idx}"));
    }
    Ok(idx)
}

/// Connecting side: says hello, then checks that process `j` answered.
fn hello(s: &mut TcpStream, spec: &Spec, j: usize) -> std::result::Result<(), String> {
    s.set_read_timeout(Some(HELLO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    s.write_all(&hello_bytes(spec)).map_err(|e| e.to_string())?;
    match read_hello(s, spec)? {
        k if k == j => Ok(()),
        k => Err(format!("process {k} answered at process {j}'s address")),
    }
}

/// Accepting side: checks the hello, then answers it.
fn answer(s: &mut TcpStream, spec: &Spec) -> std::result::Result<usize, String> {
    s.set_read_timeout(Some(HELLO_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let j = read_hello(s, spec)?;
    s.write_all(&hello_bytes(spec)).map_err(|e| e.to_string())?;
    Ok(j)
}

fn resolve(host: &str) -> std::result::Result<SocketAddr, String> {
    host.to_socket_addrs()
        .map_err(|e| e.to_string())?
        .next()
        .ok_or_else(|| format!("{host} resolves to no address"))
}

fn io_error(spec: &Spec, e: std::io::Error) -> Error {
    cluster(
        Some(spec.index),
        Some(&spec.hosts[spec.index]),
        format!("socket error: {e}"),
    )
}

fn cluster(process: Option<usize>, host: Option<&String>, message: String) -> Error {
    Error::Cluster {
        process,
        host: host.cloned(),
        message,
    }
}
