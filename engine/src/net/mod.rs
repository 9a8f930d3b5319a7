//! Cluster transport (SPEC section 8, feature `cluster`): the processes of one cluster, the
//! connections between them, and the one collective step every distributed stage is built
//! from, [`Session::exchange`] (each process sends each other one its own payload, routed by
//! target process through a timely-dataflow exchange), with [`Session::all_gather`] (the same
//! payload to all) as its special case.
//!
//! This module knows nothing of nodes or stages (it sits below the context); the cluster back
//! end (`cluster.rs`) decides what is exchanged.

mod connect;
mod env;
mod spawn;
mod worker;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use env::{Spec, spec_from_env};
pub use spawn::{Children, is_child, spawn_local};

use crate::error::{Error, Result};

/// Default bound of the wait for peers at start.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// This process's membership of a running cluster: its index, the peers' addresses, and the
/// timely worker thread that carries every collective step.
pub struct Session {
    spec: Spec,
    worker: Mutex<worker::Handle>,
    /// Collective steps so far: each step's tag mixes it in, so processes that took different
    /// paths through the program notice at the next step.
    steps: AtomicU64,
    /// Payload bytes this process sent to other processes.
    sent: AtomicU64,
    /// Children started by `processes(n)` (process 0 only); killed when the session ends.
    _children: Option<Children>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("process", &self.spec.index)
            .field("hosts", &self.spec.hosts)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects to every peer of `spec` (each connection checked to carry `spec`'s session
    /// identity) and starts the timely worker; fails with `Error::Cluster` naming a peer that
    /// did not answer within `spec.timeout`.
    pub fn start(spec: Spec, children: Option<Children>) -> Result<Arc<Session>> {
        worker::install_panic_hook();
        let sockets = connect::connect_all(&spec)?;
        let handle = worker::Handle::start(&spec, sockets)?;
        Ok(Arc::new(Session {
            spec,
            worker: Mutex::new(handle),
            steps: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            _children: children,
        }))
    }

    /// The session identity (the same in every process of the cluster).
    pub fn session_id(&self) -> u64 {
        self.spec.session
    }

    /// This process's index.
    pub fn index(&self) -> usize {
        self.spec.index
    }

    /// Number of processes.
    pub fn processes(&self) -> usize {
        self.spec.hosts.len()
    }

    /// The address of process `p`.
    pub fn host(&self, p: usize) -> &str {
        &self.spec.hosts[p]
    }

    /// Payload bytes sent to other processes so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The error for process `p` with `message`.
    pub fn error(&self, p: usize, message: impl Into<String>) -> Error {
        Error::Cluster {
            process: Some(p),
            host: self.spec.hosts.get(p).cloned(),
            message: message.into(),
        }
    }

    /// One collective step: every process calls it with the same `tag` (what the step is:
    /// the same stage of the same job) and its own `payload`; each gets every process's
    /// payload, in process order. A process whose tag differs ran another program or took
    /// another path: `Error::Cluster` naming it, in every process. A lost peer is
    /// `Error::Cluster` naming it (never a hang: its closed connection ends the step).
    pub fn all_gather(&self, tag: u64, payload: Vec<u8>) -> Result<Vec<Vec<u8>>> {
        let n = self.processes();
        let mut payloads = vec![Vec::new(); n];
        for (q, p) in payloads.iter_mut().enumerate() {
            if q + 1 == n {
                *p = payload;
                break;
            }
            p.clone_from(&payload);
        }
        self.exchange(tag, payloads)
    }

    /// One collective step in which each process sends its own payload to each other one
    /// (`payloads[q]` to process `q`; the entry of this process comes back as it is) and gets
    /// what each sent it, in process order. Tags and failures as in
    /// [`Session::all_gather`].
    pub fn exchange(&self, tag: u64, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        let n = self.processes();
        if payloads.len() != n {
            return Err(Error::Internal(format!(
                "a collective step with {} payloads for {n} processes",
                payloads.len()
            )));
        }
        let mut worker = self.worker.lock().unwrap_or_else(|p| p.into_inner());
        let step = self.steps.fetch_add(1, Ordering::Relaxed);
        let tag = tag ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let me = self.index();
        let framed: Vec<Vec<u8>> = payloads
            .into_iter()
            .map(|payload| {
                let mut framed = Vec::with_capacity(payload.len() + 8);
                framed.extend_from_slice(&tag.to_le_bytes());
                framed.extend_from_slice(&payload);
                framed
            })
            .collect();
        let sent: usize = (0..n).filter(|&q| q != me).map(|q| framed[q].len()).sum();
        self.sent.fetch_add(sent as u64, Ordering::Relaxed);
        let got = worker.exchange(framed).map_err(|(p, m)| match p {
            Some(p) => self.error(p, m),
            None => Error::Cluster {
                process: None,
                host: None,
                message: m,
            },
        })?;
        let mut out = Vec::with_capacity(n);
        for (p, mut bytes) in got.into_iter().enumerate() {
            if bytes.len() < 8 || bytes[..8] != tag.to_le_bytes() {
                return Err(self.error(
                    p,
                    "runs a different program, graph or params, or took another path \
                     through it (its collective step does not match this process's)",
                ));
            }
            bytes.drain(..8);
            out.push(bytes);
        }
        Ok(out)
    }
}

impl Drop for Session {
    /// Ends the timely worker cleanly when every process got this far (the peers' inputs
    /// close too), within the cluster timeout; never hangs.
    fn drop(&mut self) {
        let worker = self.worker.get_mut().unwrap_or_else(|p| p.into_inner());
        worker.stop(self.spec.timeout);
    }
}
