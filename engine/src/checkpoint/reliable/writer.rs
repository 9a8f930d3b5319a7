//! The writing half of a part file: encoded bytes go through the compressor and the checksum
//! into the file, then the file is synced. Once a partition outgrows one buffer this happens on
//! a thread of its own, so the task keeps computing while earlier buffers are compressed,
//! written and synced; a partition that fits in one buffer is written by the task, no thread.

use std::fs::File;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::codec::compress::{CrcWriter, Encoder};

/// Full buffers waiting for the writer thread, at most. With the one it writes and the one the
/// task fills, a partition holds about `QUEUED + 2` buffers: the task may run that far ahead.
const QUEUED: usize = 2;

/// What failed: the action (as `Error::io` names it) and its cause.
pub(crate) type Failure = (&'static str, std::io::Error);

/// Writes one part file, inline or on a thread.
pub(crate) enum PartWriter {
    /// Nothing handed off yet.
    Inline(Encoder<File>),
    /// Buffers go to the writer thread.
    Thread(Background),
    /// A failure was reported; nothing more is written.
    Failed,
}

impl PartWriter {
    pub(crate) fn new(out: Encoder<File>) -> Self {
        PartWriter::Inline(out)
    }

    /// Hands over the bytes of `buf` and leaves an empty buffer of the same capacity in it.
    /// An error is reported once; later calls do nothing.
    pub(crate) fn write(&mut self, buf: &mut Vec<u8>) -> Result<(), Failure> {
        if buf.is_empty() {
            return Ok(());
        }
        if let PartWriter::Inline(_) = self {
            let PartWriter::Inline(out) = std::mem::replace(self, PartWriter::Failed) else {
                unreachable!("matched above");
            };
            *self = PartWriter::Thread(Background::spawn(out)?);
        }
        let PartWriter::Thread(b) = self else {
            // Failed before: the error was reported then.
            buf.clear();
            return Ok(());
        };
        let r = b.send(buf);
        if r.is_err() {
            *self = PartWriter::Failed;
        }
        r
    }

    /// Writes `last`, ends the stream and syncs the file: when this returns `Ok`, every byte
    /// counted in the returned writer is durable. Also returns the time spent writing and
    /// syncing.
    pub(crate) fn finish(self, last: &[u8]) -> Result<Written, Failure> {
        match self {
            PartWriter::Inline(mut out) => {
                let t = Instant::now();
                out.write_all(last).map_err(|e| (WRITE, e))?;
                let out = finish_file(out)?;
                Ok((out, t.elapsed()))
            }
            PartWriter::Thread(b) => b.finish(last),
            PartWriter::Failed => Err((
                WRITE,
                std::io::Error::other("checkpoint file finished after a failure"),
            )),
        }
    }
}

const WRITE: &str = "write checkpoint file";

/// A finished part file and the time spent writing and syncing it.
pub(crate) type Written = (CrcWriter<File>, Duration);

fn write_buf(out: &mut Encoder<File>, buf: &mut Vec<u8>) -> Result<(), Failure> {
    let r = out.write_all(buf).map_err(|e| (WRITE, e));
    buf.clear();
    r
}

/// Ends the stream (the LZ4 end mark) and syncs the file.
fn finish_file(out: Encoder<File>) -> Result<CrcWriter<File>, Failure> {
    let w = out.finish().map_err(|e| (WRITE, e))?;
    // Durable before it becomes visible: a crash leaves a temp file, never a short part.
    w.inner
        .sync_all()
        .map_err(|e| ("sync checkpoint file", e))?;
    Ok(w)
}

/// A writer thread and the channels to it. Dropped without `finish` (a partial partition, a
/// failed task), it tells the thread to stop without syncing and waits for it, so neither the
/// thread nor the open file outlives the sink.
pub(crate) struct Background {
    /// `Some(bytes)` to write, `None` to end the file; closed to abandon it.
    full: Option<SyncSender<Option<Vec<u8>>>>,
    /// Buffers the thread has written, for reuse.
    empty: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<Result<Written, Failure>>>,
}

impl Background {
    /// Starts the thread that owns the file from now on.
    fn spawn(out: Encoder<File>) -> Result<Self, Failure> {
        let (full_tx, full_rx) = sync_channel(QUEUED);
        let (empty_tx, empty_rx) = sync_channel(QUEUED + 1);
        let thread = std::thread::Builder::new()
            .name("rddflow-ckpt-writer".into())
            .spawn(move || run(out, full_rx, empty_tx))
            .map_err(|e| ("start the writer thread of checkpoint file", e))?;
        Ok(Background {
            full: Some(full_tx),
            empty: empty_rx,
            thread: Some(thread),
        })
    }

    /// Queues the bytes of `buf` (blocking while `QUEUED` buffers wait) and replaces it with a
    /// written buffer or a new one. If the thread stopped on an error, returns that error.
    fn send(&mut self, buf: &mut Vec<u8>) -> Result<(), Failure> {
        let next = match self.empty.try_recv() {
            Ok(b) => b,
            Err(_) => Vec::with_capacity(buf.capacity()),
        };
        let full = std::mem::replace(buf, next);
        let sent = match &self.full {
            Some(tx) => tx.send(Some(full)).is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        match self.join() {
            Err(e) => Err(e),
            // Only a thread that received `None` returns `Ok`, and `send` never sends it.
            Ok(_) => Err((
                WRITE,
                std::io::Error::other("checkpoint writer ended early"),
            )),
        }
    }

    fn finish(mut self, last: &[u8]) -> Result<Written, Failure> {
        if let Some(tx) = &self.full {
            // A send fails only when the thread has ended, with the error `join` returns.
            if !last.is_empty() {
                let _ = tx.send(Some(last.to_vec()));
            }
            let _ = tx.send(None);
        }
        self.join()
    }

    /// Closes the channel and waits for the thread's result.
    fn join(&mut self) -> Result<Written, Failure> {
        self.full = None;
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| {
                Err((
                    WRITE,
                    std::io::Error::other("checkpoint writer thread panicked"),
                ))
            }),
            None => Err((
                WRITE,
                std::io::Error::other("checkpoint writer already joined"),
            )),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.full = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The writer thread: writes each buffer it receives, sends it back for reuse, and on `None`
/// finishes and syncs the file. A closed channel abandons the file (the sink removes it).
fn run(
    mut out: Encoder<File>,
    full: Receiver<Option<Vec<u8>>>,
    empty: SyncSender<Vec<u8>>,
) -> Result<Written, Failure> {
    // Time spent writing and syncing, not waiting for buffers.
    let mut busy = Duration::ZERO;
    while let Ok(msg) = full.recv() {
        let t = Instant::now();
        match msg {
            Some(mut buf) => {
                write_buf(&mut out, &mut buf)?;
                busy += t.elapsed();
                let _ = empty.try_send(buf);
            }
            None => {
                let out = finish_file(out)?;
                return Ok((out, busy + t.elapsed()));
            }
        }
    }
    Err((WRITE, std::io::Error::other("checkpoint file abandoned")))
}
