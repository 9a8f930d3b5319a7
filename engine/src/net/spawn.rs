//! `processes(n)` on one machine: this process becomes process 0 and starts n-1 copies of its
//! own executable (same arguments, same environment plus the cluster's variables), which end
//! with it: each child asks the kernel to kill it when its parent dies (`PR_SET_PDEATHSIG`),
//! and the parent kills the ones still running when its session ends.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::env::{HOSTS, PROCESS, SESSION, Spec};
use crate::error::{Error, Result};

/// Set in the children of `processes(n)`: the parent's pid.
const PARENT: &str = "RDDFLOW_PARENT_PID";

/// The children of process 0, killed (if still running) when dropped.
pub struct Children {
    children: Vec<Child>,
    /// How long to wait for children to end by themselves before killing them.
    grace: Duration,
}

impl Children {
    /// The children's process ids (in process order, from process 1).
    pub fn pids(&self) -> Vec<u32> {
        self.children.iter().map(Child::id).collect()
    }

    /// Kills every child at once (this process is failing).
    pub fn kill(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.children.clear();
    }
}

impl Drop for Children {
    /// Waits a little for the children to finish their own run (they run the same program
    /// and end at the same point), then kills whatever is left; never leaves one behind.
    fn drop(&mut self) {
        let deadline = Instant::now() + self.grace;
        if !std::thread::panicking() {
            for c in &mut self.children {
                while Instant::now() < deadline {
                    match c.try_wait() {
                        Ok(Some(_)) | Err(_) => break,
                        Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            }
        }
        self.kill();
    }
}

/// Whether this process is a child started by `processes(n)`.
pub fn is_child() -> bool {
    std::env::var_os(PARENT).is_some()
}

/// Starts `n - 1` copies of this executable on free loopback ports; returns the spec of
/// process 0 and the children. In a child, returns its own spec from the environment.
pub fn spawn_local(n: usize, timeout: Duration) -> Result<(Spec, Option<Children>)> {
    if n == 0 {
        return Err(Error::InvalidArgument(
            "processes must be at least 1".into(),
        ));
    }
    if is_child() {
        let spec = super::env::spec_from_env(timeout)?.ok_or_else(|| Error::Cluster {
            process: None,
            host: None,
            message: format!("started by `processes(n)` but {HOSTS} is not set"),
        })?;
        return Ok((spec, None));
    }
    let hosts = free_ports(n)?;
    let token = uuid::Uuid::new_v4().to_string();
    let spec = Spec::new(hosts.clone(), 0, &token, timeout)?;
    let exe = std::env::current_exe()
        .map_err(|e| Error::io("find this executable", "/proc/self/exe", e))?;
    let me = std::process::id();
    let mut children = Children {
        children: Vec::new(),
        grace: timeout.min(Duration::from_secs(30)),
    };
    for i in 1..n {
        let mut cmd = Command::new(&exe);
        cmd.args(std::env::args_os().skip(1))
            .env(HOSTS, hosts.join(","))
            .env(PROCESS, i.to_string())
            .env(SESSION, &token)
            .env(PARENT, me.to_string());
        // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent died before the line above: end now rather than wait for peers.
                if libc::getppid() as u32 != me {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .map_err(|e| Error::io("start a copy of this executable", &exe, e))?;
        children.children.push(child);
    }
    Ok((spec, Some(children)))
}

/// `n` loopback addresses on ports free right now (the OS picks them).
fn free_ports(n: usize) -> Result<Vec<String>> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("find a free loopback port", "127.0.0.1", e))?;
    listeners
        .iter()
        .map(|l| {
            l.local_addr()
                .map(|a| a.to_string())
                .map_err(|e| Error::io("find a free loopback port", "127.0.0.1", e))
        })
        .collect()
}
