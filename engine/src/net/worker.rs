//! The timely worker of this process, on a thread of its own that the driver (the thread
//! running a job) talks to through channels. It holds one dataflow for the whole session:
//! an input, an `Exchange` routed by the target process, and an operator that collects what
//! arrives; each collective step is one timestamp (round). The driver never blocks on timely:
//! it waits on a channel while watching for failures, so a lost peer is an error, not a hang.
//!
//! timely does not retry or report failures: its network threads panic when a socket closes.
//! A panic hook records which peer's thread panicked ([`failure`]), the worker loop checks it
//! while it steps, and a worker thread that dies shuts its sockets down so the peers notice
//! at once.

use std::cell::RefCell;
use std::net::{Shutdown, TcpStream};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, Once};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use timely::WorkerConfig;
use timely::communication::Hooks;
use timely::communication::allocator::zero_copy::allocator::TcpBuilder;
use timely::communication::allocator::zero_copy::initialize::{
    CommsGuard, initialize_networking_from_sockets,
};
use timely::communication::allocator::{Allocator, ProcessBuilder};
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::operator::Operator;
use timely::dataflow::operators::{Input, Probe};
use timely::dataflow::{InputHandleVec as InputHandle, ProbeHandle};
use timely::worker::Worker;

use super::connect::Sockets;
use super::env::Spec;
use crate::error::{Error, Result};

/// A failure: the process at fault, if known, and what happened.
pub(super) type Failure = (Option<usize>, String);

/// One record of the exchange: (target process, source process, payload).
type Record = (u64, u64, Vec<u8>);
/// A payload received: (round, source process, payload).
type Arrived = (u64, u64, Vec<u8>);

enum Request {
    /// One payload per process (this process's own is returned as it is).
    Exchange(Vec<Vec<u8>>),
    Stop(Duration),
}

/// The first failure seen by a timely thread of this process (a peer's socket closed, say).
static FAILURE: Mutex<Option<Failure>> = Mutex::new(None);

fn record(f: Failure) {
    let mut g = FAILURE.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_none() {
        *g = Some(f);
    }
}

/// The failure recorded so far, if any.
pub(super) fn failure() -> Option<Failure> {
    FAILURE.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Installs (once) a panic hook that turns a panic of timely's network threads
/// (`timely:send-N`, `timely:recv-N`: peer `N`'s connection failed) into a recorded failure,
/// kept off stderr; other panics go to the hook installed before.
pub(super) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().map(str::to_owned);
            let peer = name.as_deref().and_then(|n| {
                n.strip_prefix("timely:recv-")
                    .or_else(|| n.strip_prefix("timely:send-"))
                    .and_then(|i| i.parse::<usize>().ok())
            });
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            match (peer, name.as_deref()) {
                (Some(p), _) => record((Some(p), format!("lost connection: {msg}"))),
                (None, Some(WORKER_THREAD)) => record((
                    None,
                    format!("this process's cluster worker panicked: {msg}"),
                )),
                // Joining network threads of which one failed, when leaving: expected.
                (None, Some(CLOSE_THREAD)) => {}
                _ => previous(info),
            }
        }));
    });
}

const WORKER_THREAD: &str = "rddflow-cluster";
/// How long a step goes on after a connection failed, for what had already arrived.
const FAILURE_GRACE: Duration = Duration::from_millis(500);
const CLOSE_THREAD: &str = "rddflow-cluster-close";

/// The driver's end of the worker thread.
pub(super) struct Handle {
    requests: Sender<Request>,
    replies: Receiver<std::result::Result<Vec<Vec<u8>>, Failure>>,
    thread: Option<JoinHandle<bool>>,
    comms: Option<CommsGuard>,
    /// Clones of the sockets, shut down when this process leaves the cluster abruptly.
    keep: Arc<Vec<TcpStream>>,
}

impl Handle {
    /// Starts timely's network threads on `sockets` and the worker thread.
    pub(super) fn start(spec: &Spec, sockets: Sockets) -> Result<Handle> {
        let (sockets, keep) = sockets;
        let keep = Arc::new(keep);
        let sockets_of_thread = keep.clone();
        let me = spec.index;
        let n = spec.hosts.len();
        let hooks = Hooks::default();
        let process = ProcessBuilder::new_typed_vector(1, hooks.refill.clone(), None);
        let (mut builders, comms) =
            initialize_networking_from_sockets(process, sockets, me, 1, hooks).map_err(|e| {
                Error::Cluster {
                    process: Some(me),
                    host: Some(spec.hosts[me].clone()),
                    message: format!("cannot start timely's network threads: {e}"),
                }
            })?;
        let builder = builders.pop().expect("one worker per process");
        let (requests, rx) = channel();
        let (tx, replies) = channel();
        let thread = std::thread::Builder::new()
            .name(WORKER_THREAD.into())
            .spawn(move || {
                let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run(builder, me, n, rx, tx)
                }));
                // timely's worker panics ("MergeQueue poisoned") as soon as a network thread
                // failed: then every peer sees the same lost connection by itself, and closing
                // this process's connections would only blame it wrongly.
                let peer_lost = matches!(failure(), Some((Some(_), _)));
                let clean = ok.unwrap_or(peer_lost);
                if !clean {
                    // A panic here, or a stop that timed out.
                    // Peers would wait for this worker forever: close its connections.
                    abort(&sockets_of_thread);
                }
                clean
            })
            .map_err(|e| Error::Cluster {
                process: Some(me),
                host: Some(spec.hosts[me].clone()),
                message: format!("cannot start the cluster worker thread: {e}"),
            })?;
        Ok(Handle {
            requests,
            replies,
            thread: Some(thread),
            comms: Some(comms),
            keep,
        })
    }

    /// One collective step: sends `payloads[q]` to process `q` and returns what each process
    /// sent this one, in process order.
    pub(super) fn exchange(
        &mut self,
        payloads: Vec<Vec<u8>>,
    ) -> std::result::Result<Vec<Vec<u8>>, Failure> {
        if let Some(f) = failure() {
            return Err(f);
        }
        if self.requests.send(Request::Exchange(payloads)).is_err() {
            return Err(failure().unwrap_or((None, "the cluster worker has stopped".into())));
        }
        loop {
            match self.replies.recv_timeout(Duration::from_millis(200)) {
                Ok(r) => return r,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(
                        failure().unwrap_or((None, "the cluster worker has stopped".into()))
                    );
                }
            }
        }
    }

    /// Ends the worker: closes its input and lets the dataflow finish with the peers' (within
    /// `timeout`); then the network threads flush and end. Never blocks past the timeout.
    pub(super) fn stop(&mut self, timeout: Duration) {
        if std::thread::panicking() {
            // This process is going down mid-program: the peers must not wait for it.
            abort(&self.keep);
            std::mem::forget(self.comms.take());
            return;
        }
        let _ = self
            .requests
            .send(Request::Stop(timeout.min(Duration::from_secs(10))));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(comms) = self.comms.take() {
            // Its drop joins the network threads and panics if one panicked (a peer that
            // left first): done on a thread of its own, waited for briefly.
            let (tx, rx) = channel();
            let _ = std::thread::Builder::new()
                .name(CLOSE_THREAD.into())
                .spawn(move || {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(comms)));
                    let _ = tx.send(());
                });
            let _ = rx.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// Shuts every connection down, so that each peer's network thread fails at once.
fn abort(sockets: &[TcpStream]) {
    for s in sockets {
        let _ = s.shutdown(Shutdown::Both);
    }
}

/// The worker thread: one dataflow, one round per collective step. Returns `false` when the
/// peers might wait for this process forever (it left without every process closing its
/// input), so that its connections are shut down and they notice.
fn run(
    builder: TcpBuilder,
    me: usize,
    n: usize,
    requests: Receiver<Request>,
    replies: Sender<std::result::Result<Vec<Vec<u8>>, Failure>>,
) -> bool {
    let allocator = Allocator::Tcp(builder.build());
    let mut worker = Worker::new(WorkerConfig::default(), allocator, Some(Instant::now()));
    let mut input: InputHandle<u64, Record> = InputHandle::new();
    let probe: ProbeHandle<u64> = ProbeHandle::new();
    // Received payloads by round: a faster peer's next round may arrive before this round ends.
    let inbox: Rc<RefCell<Vec<Arrived>>> = Rc::new(RefCell::new(Vec::new()));
    {
        let inbox = inbox.clone();
        let probe = probe.clone();
        let input = &mut input;
        worker.dataflow::<u64, _, _>(move |scope| {
            scope
                .input_from(input)
                .unary::<timely::container::CapacityContainerBuilder<Vec<()>>, _, _, _>(
                    Exchange::new(|r: &Record| r.0),
                    "Gather",
                    move |_, _| {
                        move |input, _output| {
                            input.for_each_stamp(|cap, data| {
                                let round = cap.least().copied().unwrap_or_default();
                                for batch in data {
                                    for (_, src, bytes) in batch.drain(..) {
                                        inbox.borrow_mut().push((round, src, bytes));
                                    }
                                }
                            });
                        }
                    },
                )
                .probe_with(&probe);
        });
    }
    let mut round: u64 = 0;
    loop {
        match requests.recv_timeout(Duration::from_millis(20)) {
            Ok(Request::Exchange(mut payloads)) => {
                let own = std::mem::take(&mut payloads[me]);
                for (t, payload) in payloads.into_iter().enumerate().filter(|&(t, _)| t != me) {
                    input.send((t as u64, me as u64, payload));
                }
                round += 1;
                input.advance_to(round);
                // After a failure, what already arrived may still complete this round (a peer
                // that finished it and then died): a short grace before reporting it.
                let mut failed_at: Option<Instant> = None;
                while probe.less_than(input.time()) {
                    if let Some(f) = failure() {
                        let since = *failed_at.get_or_insert_with(Instant::now);
                        if since.elapsed() > FAILURE_GRACE {
                            let _ = replies.send(Err(f));
                            // Every peer sees the same lost connection by itself: closing
                            // this process's connections would only blame it wrongly.
                            return true;
                        }
                    }
                    worker.step_or_park(Some(Duration::from_millis(20)));
                }
                let mut got: Vec<Option<Vec<u8>>> = (0..n).map(|_| None).collect();
                got[me] = Some(own);
                // Records are sent at the round before it is advanced past: `round - 1`.
                inbox.borrow_mut().retain_mut(|(r, src, bytes)| {
                    if *r + 1 != round {
                        return true;
                    }
                    got[*src as usize] = Some(std::mem::take(bytes));
                    false
                });
                let reply = match got.iter().position(Option::is_none) {
                    Some(p) => Err((Some(p), "sent nothing in a collective step".into())),
                    None => Ok(got.into_iter().map(|b| b.unwrap_or_default()).collect()),
                };
                if replies.send(reply).is_err() {
                    return false;
                }
            }
            stop @ (Ok(Request::Stop(_)) | Err(RecvTimeoutError::Disconnected)) => {
                let timeout = match stop {
                    Ok(Request::Stop(t)) => t,
                    _ => Duration::from_secs(2),
                };
                // Closing the input ends the dataflow once every process closed its own.
                drop(input);
                let deadline = Instant::now() + timeout;
                while worker.has_dataflows() && Instant::now() < deadline && failure().is_none() {
                    worker.step_or_park(Some(Duration::from_millis(20)));
                }
                return !worker.has_dataflows();
            }
            Err(RecvTimeoutError::Timeout) => {
                // Keep timely's progress traffic moving between steps.
                worker.step_or_park(Some(Duration::ZERO));
            }
        }
    }
}
