//! The hash shuffle: map tasks split their partition into one bucket per output partition
//! (combining values per key first where the operator allows it); reduce tasks read their
//! bucket from every map output.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use either::Either;

use crate::combine_table::{CombineTable, Entry};
use crate::context::Context;
use crate::data::{Data, Key};
use crate::error::{Error, Result};
use crate::partitioner::{Partitioner, key_hash};
use crate::spill::{
    Codec, HashGroups, MIN_READ_BUFFER, Merge, READ_BUFFER, Run, RunReader, RunSink,
};
use crate::sync::lock;
use crate::task::{PanicScope, Site, TaskContext};

/// Whether a shuffle's map outputs are all there (what the scheduler needs to know).
pub trait ShuffleStatus: Send + Sync {
    /// Shuffle id.
    fn id(&self) -> usize;
    /// All map outputs present.
    fn is_complete(&self) -> bool;
    /// Map partitions without output.
    fn missing(&self) -> Vec<usize>;
    /// Records and estimated bytes of map partition `part`'s output, for task metrics.
    fn map_output_size(&self, part: usize) -> (u64, u64) {
        let _ = part;
        (0, 0)
    }
    /// Cluster mode: the output of map partition `part`, made by this task, encoded one
    /// bucket per output partition (in partition order), so that each bucket goes only to
    /// the process that reads it.
    fn export(&self, cx: &TaskContext, part: usize) -> Result<Vec<EncodedBucket>> {
        let _ = (cx, part);
        Err(Error::Internal(
            "this shuffle cannot be sent to other processes".into(),
        ))
    }
    /// Cluster mode: stores the buckets of map partition `part` that another process sent
    /// this one (`buckets[r]`: output partition `r`'s, `None` when another process reads it),
    /// as [`ShuffleStatus::export`] encoded them. Under the context's memory limit they are
    /// kept in a file and decoded when read.
    fn import(&self, ctx: &Context, part: usize, buckets: Vec<Option<(u64, &[u8])>>) -> Result<()> {
        let _ = (ctx, part, buckets);
        Err(Error::Internal(
            "this shuffle cannot be received from other processes".into(),
        ))
    }
    /// Cluster mode: whether every process holds every bucket (the whole outputs were sent
    /// to all, because a stage reads its partitions in other processes than their owners);
    /// cleared when the outputs are dropped.
    fn is_spread(&self) -> bool {
        false
    }
    /// Cluster mode: records that every process now holds every bucket.
    fn mark_spread(&self) {}
    /// Estimated bytes of the map outputs held in memory (records times their size).
    fn memory_bytes(&self) -> u64 {
        0
    }
    /// Moves the in-memory map outputs to a file of the spill directory (kept as they are
    /// when the records have no codec): the shuffle is kept for later jobs, which read it
    /// from there in the same order.
    fn move_to_disk(&self, ctx: &Context) -> Result<()> {
        let _ = ctx;
        Ok(())
    }
}

/// One bucket of a map output, encoded: its record count and the records' encodings.
pub struct EncodedBucket {
    /// Records in the bucket.
    pub records: u64,
    /// Their encodings, back to back.
    pub bytes: Vec<u8>,
}

/// Where one shuffle's map outputs live: the storage half of the seam between the execution
/// protocol (`protocol`, which decides what runs) and a back end (which decides where data
/// goes). [`ShuffleSlot`] is the local implementation (in memory, spilling to local files); a
/// cluster back end stores outputs where its workers can fetch them and implements this trait
/// with the same reads.
pub trait MapOutputStore<R>: ShuffleStatus {
    /// The partitioner of the output.
    fn partitioner(&self) -> &Partitioner;
    /// Where map task `site.part` writes its buckets.
    fn writer(&self, site: &Site) -> MapWriter<R>;
    /// Stores the output of map partition `part` (unless its task failed).
    fn put(&self, cx: &TaskContext, part: usize, output: MapOutput<R>);
    /// Reduce partition `site.part`, from every map output.
    fn read(&self, site: &Site) -> ShuffleRead<R>;
    /// Reduce partition `site.part` of one map output made in this very task (a
    /// co-partitioned input: no shuffle).
    fn read_local(&self, site: &Site, output: MapOutput<R>) -> ShuffleRead<R>;
    /// Drops every map output.
    fn release(&self);
}

/// The map-output store of a new shuffle from `map_partitions` partitions through
/// `partitioner`; `codec` (from [`crate::spill::Probe`]) lets it spill under a memory limit.
/// The one place a back end's store is chosen: today the local [`ShuffleSlot`].
pub fn new_store<R: Data>(
    ctx: &Context,
    map_partitions: usize,
    partitioner: Partitioner,
    codec: Option<Codec<R>>,
) -> Arc<dyn MapOutputStore<R>> {
    ShuffleSlot::new(ctx, map_partitions, partitioner, codec)
}

impl<R: Data> MapOutputStore<R> for ShuffleSlot<R> {
    fn partitioner(&self) -> &Partitioner {
        ShuffleSlot::partitioner(self)
    }
    fn writer(&self, site: &Site) -> MapWriter<R> {
        ShuffleSlot::writer(self, site)
    }
    fn put(&self, cx: &TaskContext, part: usize, output: MapOutput<R>) {
        ShuffleSlot::put(self, cx, part, output)
    }
    fn read(&self, site: &Site) -> ShuffleRead<R> {
        ShuffleSlot::read(self, site)
    }
    fn read_local(&self, site: &Site, output: MapOutput<R>) -> ShuffleRead<R> {
        ShuffleSlot::read_local(self, site, output)
    }
    fn release(&self) {
        self.clear()
    }
}

/// Map outputs of one shuffle: for each map partition, one bucket per output partition (or,
/// when it spilled, its sorted runs on disk).
pub struct ShuffleSlot<R> {
    id: usize,
    partitioner: Partitioner,
    codec: Option<Codec<R>>,
    outputs: Mutex<Vec<Option<Arc<MapOutput<R>>>>>,
    /// The longest in-memory bucket a map task of this shuffle wrote: what the later ones
    /// reserve, so that their buckets are not grown (copied, with fresh memory) by doubling.
    bucket_len: AtomicUsize,
    /// Cluster mode: see [`ShuffleStatus::is_spread`].
    spread: AtomicBool,
}

/// What one map task wrote.
pub enum MapOutput<R> {
    /// One bucket per output partition, in memory.
    Memory(Vec<Vec<R>>),
    /// Sorted runs in spill files (the context has a memory limit).
    Spilled(Vec<Run>),
    /// Buckets kept one by one (cluster mode: the buckets another process sent this one);
    /// `None` where another process holds the bucket.
    Stored(Vec<Option<StoredBucket<R>>>),
}

/// One bucket of [`MapOutput::Stored`].
pub enum StoredBucket<R> {
    /// The records, in memory.
    Memory(Vec<R>),
    /// The records encoded in a file (`len` bytes at `offset`), decoded when read.
    Disk {
        /// The file (deleted with its last bucket).
        file: Arc<tempfile::TempPath>,
        /// Where the bucket starts.
        offset: u64,
        /// Its bytes.
        len: u64,
        /// Its records.
        records: u64,
    },
}

impl<R> StoredBucket<R> {
    /// A second handle on an on-disk bucket (`None` for one in memory).
    fn disk_clone(&self) -> Option<Self> {
        match self {
            StoredBucket::Disk {
                file,
                offset,
                len,
                records,
            } => Some(StoredBucket::Disk {
                file: file.clone(),
                offset: *offset,
                len: *len,
                records: *records,
            }),
            StoredBucket::Memory(_) => None,
        }
    }
}

/// `len` bytes at `offset` of `file`.
fn read_segment(file: &tempfile::TempPath, offset: u64, len: u64) -> Result<Vec<u8>> {
    use std::io::{Read as _, Seek as _};
    let io = |e| Error::io("read spill file", file.to_path_buf(), e);
    let mut f = std::fs::File::open(file).map_err(io)?;
    f.seek(std::io::SeekFrom::Start(offset)).map_err(io)?;
    let mut bytes = vec![0u8; len as usize];
    f.read_exact(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// The encoding of `records` (a bucket of shuffle `id`) with `codec`.
fn encode_bucket<R>(codec: &Codec<R>, records: &[R], id: usize) -> Result<EncodedBucket> {
    // Grown once: a record's encoding is rarely longer than its in-memory size.
    let mut bucket = EncodedBucket {
        records: 0,
        bytes: Vec::with_capacity(std::mem::size_of_val(records)),
    };
    for x in records {
        codec.encode(x, &mut bucket.bytes).map_err(|e| {
            Error::InvalidArgument(format!("shuffle {id}: cannot encode a record: {e}"))
        })?;
        bucket.records += 1;
    }
    Ok(bucket)
}

impl<R> MapOutput<R> {
    /// The in-memory records of output partition `part` (none for spilled or on-disk ones).
    fn in_memory(&self, part: usize) -> &[R] {
        match self {
            MapOutput::Memory(b) => &b[part],
            MapOutput::Stored(b) => match b.get(part) {
                Some(Some(StoredBucket::Memory(v))) => v,
                _ => &[],
            },
            MapOutput::Spilled(_) => &[],
        }
    }
}

impl<R: Data> ShuffleSlot<R> {
    /// A shuffle from `map_partitions` partitions through `partitioner`; `codec` (from
    /// [`crate::spill::Probe`]) lets it spill under a memory limit.
    pub fn new(
        ctx: &Context,
        map_partitions: usize,
        partitioner: Partitioner,
        codec: Option<Codec<R>>,
    ) -> Arc<Self> {
        Arc::new(ShuffleSlot {
            id: ctx.next_id(),
            partitioner,
            codec,
            outputs: Mutex::new(vec![None; map_partitions]),
            bucket_len: AtomicUsize::new(0),
            spread: AtomicBool::new(false),
        })
    }

    /// The partitioner of the output.
    pub fn partitioner(&self) -> &Partitioner {
        &self.partitioner
    }

    /// Where map task `site.part` writes: in memory, or to spill runs when the context has a
    /// memory limit and the records can be serialized.
    pub fn writer(&self, site: &Site) -> MapWriter<R> {
        MapWriter {
            partitioner: self.partitioner.clone(),
            sink: RunSink::new(
                &site.cx,
                site.node,
                self.partitioner.num_partitions(),
                self.codec.as_ref(),
            ),
            cx: site.cx.clone(),
            reserve: self.bucket_len.load(Ordering::Relaxed),
        }
    }

    /// Stores the output of map partition `part`, unless its task failed. Outputs are
    /// deterministic, so when two jobs race the first one stays.
    pub fn put(&self, cx: &TaskContext, part: usize, output: MapOutput<R>) {
        if cx.failed() {
            return;
        }
        if let MapOutput::Memory(b) = &output {
            debug_assert_eq!(b.len(), self.partitioner.num_partitions());
            let longest = b.iter().map(Vec::len).max().unwrap_or(0);
            self.bucket_len.fetch_max(longest, Ordering::Relaxed);
        }
        let mut o = lock(&self.outputs);
        if o[part].is_none() {
            o[part] = Some(Arc::new(output));
        }
    }

    /// The records of output partition `part`, from every map output. A missing map output is
    /// reported on the task, never read as an empty one.
    pub fn read(&self, site: &Site) -> ShuffleRead<R> {
        let outputs: Option<Vec<_>> = lock(&self.outputs).iter().cloned().collect();
        let outputs = outputs.unwrap_or_else(|| {
            site.cx.fail(Error::Internal(format!(
                "shuffle {} read by `{}` before all its map outputs were written",
                self.id, site.node
            )));
            Vec::new()
        });
        self.read_outputs(site, outputs)
    }

    /// Partition `site.part` of one map output made in this very task: how a keyed operator
    /// whose input is already partitioned by its partitioner reads that input without a
    /// shuffle (the map side ran on the parent's partition `site.part`, so every record is in
    /// bucket `site.part`).
    pub fn read_local(&self, site: &Site, output: MapOutput<R>) -> ShuffleRead<R> {
        self.read_outputs(site, vec![Arc::new(output)])
    }

    fn read_outputs(&self, site: &Site, outputs: Vec<Arc<MapOutput<R>>>) -> ShuffleRead<R> {
        let mut runs = Vec::new();
        let mut memory = Vec::new();
        // For task metrics: records in memory (their bytes estimated), and records and bytes
        // in spill files.
        let (mut memory_records, mut spilled_records, mut spilled_bytes) = (0u64, 0u64, 0u64);
        let mut from_disk = false;
        let segments: usize = outputs
            .iter()
            .map(|o| match &**o {
                MapOutput::Spilled(rs) => rs.iter().filter(|r| r.has(site.part)).count(),
                MapOutput::Memory(_) | MapOutput::Stored(_) => 0,
            })
            .sum();
        // The read buffers of a merge share the task's budget, within sane bounds: merging
        // many runs then costs more reads, not more memory.
        let buffer = site.cx.context().memory_limit().map_or(READ_BUFFER, |l| {
            let per_task = l / site.cx.context().threads().max(1) as u64;
            (per_task as usize / segments.max(1)).clamp(MIN_READ_BUFFER, READ_BUFFER)
        });
        for (map, o) in outputs.into_iter().enumerate() {
            match &*o {
                MapOutput::Stored(b) => match b.get(site.part) {
                    Some(Some(StoredBucket::Memory(v))) => {
                        memory_records += v.len() as u64;
                        memory.push((map, o));
                    }
                    Some(Some(StoredBucket::Disk {
                        file,
                        offset,
                        len,
                        records,
                    })) => match self.load(file, *offset, *len, *records) {
                        Ok(v) => {
                            spilled_records += *records;
                            spilled_bytes += *len;
                            // In the memory buckets' place, so the map order holds.
                            let mut one: Vec<_> = (0..b.len()).map(|_| None).collect();
                            one[site.part] = Some(StoredBucket::Memory(v));
                            memory.push((map, Arc::new(MapOutput::Stored(one))));
                            // Under a memory limit, read as spilled records are: merged by
                            // key (as locally, where every output is then in runs). Without
                            // one, in map order as in memory.
                            from_disk |= site.cx.context().memory_limit().is_some();
                        }
                        Err(e) => site.cx.fail(e),
                    },
                    _ => site.cx.fail(Error::Internal(format!(
                        "shuffle {}: output partition {} of map output {map} is held by \
                         another process",
                        self.id, site.part
                    ))),
                },
                MapOutput::Memory(b) if b.is_empty() => {} // a failed task's: nothing
                MapOutput::Memory(b) => {
                    memory_records += b[site.part].len() as u64;
                    memory.push((map, o));
                }
                MapOutput::Spilled(rs) => {
                    let codec = self.codec.as_ref().expect("spilled shuffles have a codec");
                    for r in rs {
                        let (n, b) = r.size(site.part);
                        spilled_records += n;
                        spilled_bytes += b;
                        match r.open(site.part, codec, &site.cx, buffer) {
                            Ok(Some(reader)) => runs.push((map, reader)),
                            Ok(None) => {}
                            Err(e) => site.cx.fail(e),
                        }
                    }
                    // The runs' files live as long as the reader needs them.
                    memory.push((map, o));
                }
            }
        }
        let records = memory_records + spilled_records;
        site.cx.metrics(|m| {
            m.records_in += records;
            m.shuffle_records_read += records;
            m.shuffle_bytes_read +=
                spilled_bytes + memory_records * std::mem::size_of::<R>() as u64;
        });
        let (maps, outputs) = memory.into_iter().unzip();
        let (run_maps, runs) = runs.into_iter().unzip::<_, _, Vec<_>, Vec<_>>();
        ShuffleRead {
            outputs,
            maps,
            part: site.part,
            map: 0,
            pos: 0,
            runs: runs.into_iter(),
            run_maps,
            current: None,
            from_disk,
        }
    }

    /// Writes received buckets to one file in the spill directory, each kept as its place
    /// in it.
    fn store_on_disk(
        &self,
        ctx: &Context,
        buckets: &[Option<(u64, &[u8])>],
    ) -> Result<Vec<Option<StoredBucket<R>>>> {
        use std::io::Write as _;
        let dir = ctx.spill().dir()?;
        let (file, path) = tempfile::Builder::new()
            .prefix("received-")
            .tempfile_in(dir)
            .map_err(|e| Error::io("create spill file in", dir, e))?
            .into_parts();
        let mut w = std::io::BufWriter::new(file);
        let mut at = 0u64;
        let mut placed = Vec::with_capacity(buckets.len());
        for b in buckets {
            placed.push(match b {
                Some((records, bytes)) => {
                    w.write_all(bytes)
                        .map_err(|e| Error::io("write spill file", path.to_path_buf(), e))?;
                    let place = (at, bytes.len() as u64, *records);
                    at += bytes.len() as u64;
                    Some(place)
                }
                None => None,
            });
        }
        w.flush()
            .map_err(|e| Error::io("write spill file", path.to_path_buf(), e))?;
        ctx.spill().add_spilled(at);
        let file = Arc::new(path);
        Ok(placed
            .into_iter()
            .map(|p| {
                p.map(|(offset, len, records)| StoredBucket::Disk {
                    file: file.clone(),
                    offset,
                    len,
                    records,
                })
            })
            .collect())
    }

    /// Moves map output `part` (`output`, unless it changed meanwhile) to a file.
    fn move_output(
        &self,
        ctx: &Context,
        codec: &Codec<R>,
        part: usize,
        output: Arc<MapOutput<R>>,
    ) -> Result<()> {
        // Each bucket: encoded here (in memory), or kept as it is (on disk, elsewhere).
        let buckets: Vec<Option<std::result::Result<EncodedBucket, StoredBucket<R>>>> =
            match &*output {
                MapOutput::Memory(b) if !b.is_empty() => b
                    .iter()
                    .map(|v| encode_bucket(codec, v, self.id).map(|e| Some(Ok(e))))
                    .collect::<Result<_>>()?,
                MapOutput::Stored(b)
                    if b.iter().any(|x| matches!(x, Some(StoredBucket::Memory(_)))) =>
                {
                    b.iter()
                        .map(|x| match x {
                            Some(StoredBucket::Memory(v)) => {
                                encode_bucket(codec, v, self.id).map(|e| Some(Ok(e)))
                            }
                            Some(d @ StoredBucket::Disk { .. }) => Ok(d.disk_clone().map(Err)),
                            None => Ok(None),
                        })
                        .collect::<Result<_>>()?
                }
                _ => return Ok(()),
            };
        let encoded: Vec<Option<(u64, &[u8])>> = buckets
            .iter()
            .map(|b| match b {
                Some(Ok(e)) => Some((e.records, e.bytes.as_slice())),
                _ => None,
            })
            .collect();
        let written = self.store_on_disk(ctx, &encoded)?;
        let stored: Vec<Option<StoredBucket<R>>> = buckets
            .into_iter()
            .zip(written)
            .map(|(b, w)| match b {
                Some(Ok(_)) => w,
                Some(Err(kept)) => Some(kept),
                None => None,
            })
            .collect();
        let mut o = lock(&self.outputs);
        // Unless the output was dropped or replaced meanwhile.
        if o[part]
            .as_ref()
            .is_some_and(|cur| Arc::ptr_eq(cur, &output))
        {
            o[part] = Some(Arc::new(MapOutput::Stored(stored)));
        }
        Ok(())
    }

    /// Decodes a bucket kept in a file by [`ShuffleSlot::store_on_disk`].
    fn load(
        &self,
        file: &tempfile::TempPath,
        offset: u64,
        len: u64,
        records: u64,
    ) -> Result<Vec<R>> {
        let bytes = read_segment(file, offset, len)?;
        let codec = self.codec.as_ref().ok_or_else(|| {
            Error::Internal(format!(
                "shuffle {}: a stored bucket without a codec",
                self.id
            ))
        })?;
        codec
            .decode_all(&bytes, records)
            .map_err(|e| Error::corrupt(file, format!("shuffle {}: {e}", self.id)))
    }

    /// Drops every map output (after the reading RDD was checkpointed); spill files go with
    /// them.
    pub fn clear(&self) {
        lock(&self.outputs).iter_mut().for_each(|o| *o = None);
        self.spread.store(false, Ordering::Relaxed);
    }
}

impl<R: Data> ShuffleStatus for ShuffleSlot<R> {
    fn id(&self) -> usize {
        self.id
    }

    fn is_complete(&self) -> bool {
        lock(&self.outputs).iter().all(Option::is_some)
    }

    fn missing(&self) -> Vec<usize> {
        lock(&self.outputs)
            .iter()
            .enumerate()
            .filter(|(_, o)| o.is_none())
            .map(|(i, _)| i)
            .collect()
    }

    fn export(&self, cx: &TaskContext, part: usize) -> Result<Vec<EncodedBucket>> {
        let codec = self.codec.as_ref().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "shuffle {}: cluster mode sends shuffle records to other processes, so their \
                 type must be `serde::Serialize + serde::de::DeserializeOwned`",
                self.id
            ))
        })?;
        let output = lock(&self.outputs)[part].clone().ok_or_else(|| {
            Error::Internal(format!("shuffle {}: map output {part} missing", self.id))
        })?;
        let n = self.partitioner.num_partitions();
        (0..n)
            .map(|r| match &*output {
                MapOutput::Memory(b) => encode_bucket(codec, &b[r], self.id),
                MapOutput::Spilled(_) => {
                    let site = Site::new(cx, "shuffle export", r);
                    let records: Vec<R> = self.read_outputs(&site, vec![output.clone()]).collect();
                    encode_bucket(codec, &records, self.id)
                }
                MapOutput::Stored(b) => match b.get(r) {
                    Some(Some(StoredBucket::Memory(v))) => encode_bucket(codec, v, self.id),
                    // Already encoded, as this codec wrote it.
                    Some(Some(StoredBucket::Disk {
                        file,
                        offset,
                        len,
                        records,
                    })) => Ok(EncodedBucket {
                        records: *records,
                        bytes: read_segment(file, *offset, *len)?,
                    }),
                    _ => Err(Error::Internal(format!(
                        "shuffle {}: bucket {r} of map output {part} is held by another process",
                        self.id
                    ))),
                },
            })
            .collect()
    }

    fn import(&self, ctx: &Context, part: usize, buckets: Vec<Option<(u64, &[u8])>>) -> Result<()> {
        let bad = |m: &str| {
            Error::Internal(format!(
                "shuffle {}: map output {part} from another process: {m}",
                self.id
            ))
        };
        let codec = self.codec.as_ref().ok_or_else(|| bad("no codec"))?;
        if buckets.len() != self.partitioner.num_partitions() {
            return Err(bad("wrong partition count"));
        }
        let stored = match ctx.memory_limit() {
            // Under a memory limit what arrives waits for its reduce task in a file.
            Some(_) if buckets.iter().any(Option::is_some) => self.store_on_disk(ctx, &buckets)?,
            _ => buckets
                .into_iter()
                .map(|b| {
                    b.map(|(records, bytes)| {
                        codec
                            .decode_all(bytes, records)
                            .map(StoredBucket::Memory)
                            .map_err(|e| bad(&e))
                    })
                    .transpose()
                })
                .collect::<Result<_>>()?,
        };
        let mut o = lock(&self.outputs);
        // A whole output sent later (see `ShuffleStatus::is_spread`) replaces the buckets
        // received first; an output made here stays.
        if matches!(o[part].as_deref(), None | Some(MapOutput::Stored(_))) {
            o[part] = Some(Arc::new(MapOutput::Stored(stored)));
        }
        Ok(())
    }

    fn is_spread(&self) -> bool {
        self.spread.load(Ordering::Relaxed)
    }

    fn mark_spread(&self) {
        self.spread.store(true, Ordering::Relaxed);
    }

    fn memory_bytes(&self) -> u64 {
        let records: usize = lock(&self.outputs)
            .iter()
            .flatten()
            .map(|o| match &**o {
                MapOutput::Memory(b) => b.iter().map(Vec::len).sum(),
                MapOutput::Stored(b) => b
                    .iter()
                    .map(|x| match x {
                        Some(StoredBucket::Memory(v)) => v.len(),
                        _ => 0,
                    })
                    .sum(),
                MapOutput::Spilled(_) => 0,
            })
            .sum();
        (records * std::mem::size_of::<R>()) as u64
    }

    fn move_to_disk(&self, ctx: &Context) -> Result<()> {
        let Some(codec) = &self.codec else {
            return Ok(());
        };
        let outputs: Vec<(usize, Arc<MapOutput<R>>)> = lock(&self.outputs)
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.clone().map(|o| (i, o)))
            .collect();
        // One file per map output, encoded in parallel on the context's pool.
        ctx.install(|| {
            use rayon::prelude::*;
            outputs
                .into_par_iter()
                .try_for_each(|(part, output)| self.move_output(ctx, codec, part, output))
        })
    }

    fn map_output_size(&self, part: usize) -> (u64, u64) {
        match lock(&self.outputs)[part].as_deref() {
            Some(MapOutput::Memory(b)) => {
                let records: usize = b.iter().map(Vec::len).sum();
                (records as u64, (records * std::mem::size_of::<R>()) as u64)
            }
            Some(MapOutput::Spilled(runs)) => runs
                .iter()
                .map(Run::total)
                .fold((0, 0), |(r, b), (r2, b2)| (r + r2, b + b2)),
            Some(MapOutput::Stored(b)) => b
                .iter()
                .flatten()
                .map(|b| match b {
                    StoredBucket::Memory(v) => {
                        (v.len() as u64, (v.len() * std::mem::size_of::<R>()) as u64)
                    }
                    StoredBucket::Disk { len, records, .. } => (*records, *len),
                })
                .fold((0, 0), |(r, b), (r2, b2)| (r + r2, b + b2)),
            None => (0, 0),
        }
    }
}

/// What a map task writes through: the partitioner, and the spill sink when spilling is on.
pub struct MapWriter<R> {
    partitioner: Partitioner,
    sink: Option<RunSink<R>>,
    cx: TaskContext,
    /// Records to reserve per in-memory bucket (from the shuffle's earlier map tasks).
    reserve: usize,
}

impl<R> MapWriter<R> {
    /// The partitioner of the output.
    pub fn partitioner(&self) -> &Partitioner {
        &self.partitioner
    }

    /// Number of output partitions.
    pub fn num_partitions(&self) -> usize {
        self.partitioner.num_partitions()
    }

    /// A failed map task's output: the error is recorded on the task, nothing is stored.
    pub fn fail(self, e: Error) -> MapOutput<R> {
        self.failed(e)
    }

    fn failed(&self, e: Error) -> MapOutput<R> {
        self.cx.fail(e);
        MapOutput::Memory(Vec::new())
    }
}

/// Iterates one output partition across all map outputs, cloning in-memory records (map
/// outputs stay for later jobs, as Spark keeps shuffle files) and then reading spilled runs.
pub struct ShuffleRead<R> {
    outputs: Vec<Arc<MapOutput<R>>>,
    /// The map partition of each of `outputs`.
    maps: Vec<usize>,
    part: usize,
    map: usize,
    pos: usize,
    runs: std::vec::IntoIter<RunReader<R>>,
    /// The map partition of each of `runs`.
    run_maps: Vec<usize>,
    current: Option<RunReader<R>>,
    /// Some records came from a file without being sorted (buckets another process sent):
    /// operators merge by key, as for spilled records.
    from_disk: bool,
}

impl<R: Data> ShuffleRead<R> {
    /// Whether some of this partition's records are in spill runs, or were read from a file
    /// (then operators merge them by key rather than hashing the whole partition).
    pub fn is_spilled(&self) -> bool {
        self.runs.len() > 0 || self.current.is_some() || self.from_disk
    }

    /// The records merged in `key` order, ties in map order (then run order): each in-memory
    /// bucket sorted here, the runs already sorted by the map side with the same key.
    pub fn merged<S: Ord, F: FnMut(&R) -> S>(mut self, mut key: F) -> Merge<R, S, F> {
        let runs = std::mem::replace(&mut self.runs, Vec::new().into_iter());
        let mut sources: Vec<(usize, Box<dyn Iterator<Item = R>>)> = Vec::new();
        for m in self.map..self.outputs.len() {
            let bucket = self.outputs[m].in_memory(self.part);
            let start = if m == self.map { self.pos } else { 0 };
            let mut v = bucket[start.min(bucket.len())..].to_vec();
            v.sort_by_cached_key(&mut key);
            sources.push((self.maps[m], Box::new(v.into_iter())));
        }
        let consumed = self.run_maps.len() - runs.len();
        sources.extend(
            self.run_maps[consumed..]
                .iter()
                .copied()
                .zip(runs.map(|r| Box::new(r) as Box<dyn Iterator<Item = R>>)),
        );
        // Stable: the runs of one map output keep their order.
        sources.sort_by_key(|(m, _)| *m);
        Merge::new(sources.into_iter().map(|(_, s)| s).collect(), key)
    }

    fn bucket(&self, map: usize) -> &[R] {
        self.outputs[map].in_memory(self.part)
    }
}

impl<R: Data> Iterator for ShuffleRead<R> {
    type Item = R;

    #[inline]
    fn next(&mut self) -> Option<R> {
        while self.map < self.outputs.len() {
            if let Some(r) = self.bucket(self.map).get(self.pos).cloned() {
                self.pos += 1;
                return Some(r);
            }
            self.map += 1;
            self.pos = 0;
        }
        loop {
            if let Some(r) = self.current.as_mut().and_then(Iterator::next) {
                return Some(r);
            }
            self.current = Some(self.runs.next()?);
        }
    }

    /// Internal iteration over the in-memory buckets as slices, then the runs.
    fn fold<B, F: FnMut(B, R) -> B>(mut self, init: B, mut f: F) -> B {
        let mut acc = init;
        for m in self.map..self.outputs.len() {
            let start = if m == self.map { self.pos } else { 0 };
            let bucket = self.outputs[m].in_memory(self.part);
            let bucket = &bucket[start.min(bucket.len())..];
            for r in bucket {
                acc = f(acc, r.clone());
            }
        }
        if let Some(c) = self.current.take() {
            acc = c.fold(acc, &mut f);
        }
        self.runs.fold(acc, |acc, r| r.fold(acc, &mut f))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n: usize = (self.map.min(self.outputs.len())..self.outputs.len())
            .map(|m| self.bucket(m).len())
            .sum::<usize>()
            .saturating_sub(self.pos);
        if self.is_spilled() {
            (n, None)
        } else {
            (n, Some(n))
        }
    }
}

/// Splits records into one bucket per output partition, by `partition_of`. When spilling is
/// on, the records are buffered instead and written as runs sorted by `(partition,
/// sort_key)` whenever the buffer outgrows the task's budget.
pub fn bucket<T: 'static, S: Ord>(
    input: impl Iterator<Item = T>,
    out: MapWriter<T>,
    mut partition_of: impl FnMut(&T) -> usize,
    sort_key: impl FnMut(&T) -> S,
) -> MapOutput<T> {
    let MapWriter {
        partitioner,
        sink,
        cx,
        reserve,
    } = out;
    let Some(mut sink) = sink else {
        let n = partitioner.num_partitions();
        let reserve = reserve.max(input.size_hint().0 / n);
        let mut buckets: Vec<Vec<T>> = (0..n).map(|_| Vec::with_capacity(reserve)).collect();
        input.for_each(|mut x| {
            // Map outputs outlive the task (kept for later jobs): see `text::settle`.
            crate::text::settle(&mut x);
            let p = partition_of(&x);
            buckets[p].push(x);
        });
        return MapOutput::Memory(buckets);
    };
    let mut sort_key = sort_key;
    let per_task = sink.budget().per_task;
    // The buffer slot, plus the cached sort key and index of `sort_by_cached_key` when it
    // spills (the buffer is sorted in place).
    let slot = std::mem::size_of::<(usize, T)>() + SORT_KEY_BYTES;
    let mut buf: Vec<(usize, T)> = Vec::new();
    let mut used = 0u64;
    let mut done: Result<()> = Ok(());
    // `for_each`, not `try_for_each`: the fused chain's adapters forward `fold` (internal
    // iteration), not `try_fold`. After an error the rest of the input is only drained.
    input.for_each(|x| {
        if done.is_err() {
            return;
        }
        done = (|| {
            used += sink.measure(slot, &x)?;
            let p = partition_of(&x);
            buf.push((p, x));
            if used > per_task {
                sink.spill(&mut buf, &mut sort_key)?;
                used = 0;
            }
            Ok(())
        })();
    });
    let done = done.and_then(|()| sink.spill(&mut buf, &mut sort_key));
    let out = MapWriter {
        partitioner,
        sink: None,
        cx,
        reserve,
    };
    match done {
        Ok(()) => MapOutput::Spilled(sink.into_runs()),
        Err(e) => out.failed(e),
    }
}

/// Bytes charged per buffered record for the sort key (and index) that
/// `sort_by_cached_key` caches when a buffer is spilled: a hash or a small key.
const SORT_KEY_BYTES: usize = 32;

/// Map-side combine: one combiner per key, built by `step(None, v)` for the key's first value
/// and `step(Some(c), v)` for the next ones, then bucketed by the partitioner. One closure
/// rather than Spark's `createCombiner` and `mergeValue` pair, so an operator can use the same
/// user function for both. When spilling is on and the table of combiners outgrows the task's
/// budget, it is written as a run sorted by key hash and started afresh.
pub fn combine_values<K: Key, V, C: Data>(
    node: &'static str,
    input: impl Iterator<Item = (K, V)>,
    out: MapWriter<(K, C)>,
    mut step: impl FnMut(Option<C>, V) -> C,
) -> MapOutput<(K, C)> {
    let mut table: CombineTable<K, C> = CombineTable::new();
    let partitioner = out.partitioner.clone();
    let Some(sink) = out.sink else {
        // No memory limit: the plain loop, without the accounting's per-record checks.
        input.for_each(|(k, v)| {
            // The key's `Hash` and `Eq` are user code too.
            let g = PanicScope::enter(node);
            table.add(k, v, &mut step);
            g.exit();
        });
        let n = partitioner.num_partitions();
        // Sized for an even spread with a quarter to spare, so that most buckets never grow
        // (and none is allocated when there are fewer keys than partitions).
        let each = (table.len() + table.len() / 4) / n;
        let mut buckets: Vec<Vec<(K, C)>> = (0..n).map(|_| Vec::with_capacity(each)).collect();
        for e in table.into_entries() {
            let p = partitioner.place(&e.key, || e.hash);
            buckets[p].push((e.key, e.comb));
        }
        return MapOutput::Memory(buckets);
    };
    let mut sink = sink;
    let per_task = sink.budget().per_task;
    // A hash-table slot and control byte, twice (a table grown by doubling is at least half
    // empty right after it grows), plus what spilling it needs: the entry's slot in the
    // vector it is drained into and the sort key cached for it. `estimate` adds the sampled
    // serialized size, standing for the heap bytes of the key and combiner.
    let slot = 2 * (std::mem::size_of::<Entry<K, C>>() + 1)
        + std::mem::size_of::<(usize, (K, C))>()
        + SORT_KEY_BYTES;
    let mut used = 0u64;
    let mut done: Result<()> = Ok(());
    // `for_each` (internal iteration) lets each adapter of the fused chain run its own loop
    // (they forward `fold`, not `try_fold`). After an error the rest is only drained.
    input.for_each(|(k, v)| {
        if done.is_err() {
            return;
        }
        let g = PanicScope::enter(node);
        let added = table.add(k, v, &mut step);
        g.exit();
        if let Some(e) = added {
            used += sink.estimate(slot, || Some((e.key.clone(), e.comb.clone())));
        }
        if used > per_task {
            done = spill_table(&mut table, &mut sink, &partitioner);
            used = 0;
        }
    });
    let cx = out.cx;
    match done.and_then(|()| spill_table(&mut table, &mut sink, &partitioner)) {
        Ok(()) => MapOutput::Spilled(sink.into_runs()),
        Err(e) => {
            cx.fail(e);
            MapOutput::Memory(Vec::new())
        }
    }
}

/// Writes a table of combiners as one run sorted by key hash, and empties it.
fn spill_table<K: Key, C: Data>(
    table: &mut CombineTable<K, C>,
    sink: &mut RunSink<(K, C)>,
    partitioner: &Partitioner,
) -> Result<()> {
    // Taken, not drained: the table is freed once moved into the vector.
    let mut buf: Vec<(usize, (K, C))> = std::mem::replace(table, CombineTable::new())
        .into_entries()
        .map(|e| {
            let p = partitioner.place(&e.key, || e.hash);
            (p, (e.key, e.comb))
        })
        .collect();
    sink.spill(&mut buf, |(k, _)| key_hash(k))
}

/// Reduce-side merge of combiners per key: a hash map of the partition, or, when the
/// shuffle spilled, a streaming merge of the runs by key hash (one key at a time in memory).
pub fn merge_combiners<K: Key, C: Data>(
    node: &'static str,
    input: ShuffleRead<(K, C)>,
    merge: impl FnMut(C, C) -> C,
) -> impl Iterator<Item = (K, C)> {
    let merge = guard_merge(node, merge);
    if input.is_spilled() {
        let sorted = input.merged(|(k, _)| key_hash(k));
        Either::Right(HashGroups::new(sorted, |c| c, merge))
    } else {
        Either::Left(merge_in_memory(input, merge))
    }
}

/// `merge` as user code of `node` (built here, not in a function generic over iterators).
fn guard_merge<C>(node: &'static str, mut merge: impl FnMut(C, C) -> C) -> impl FnMut(C, C) -> C {
    move |a, b| {
        let g = PanicScope::enter(node);
        let r = merge(a, b);
        g.exit();
        r
    }
}

fn merge_in_memory<K: Key, C>(
    input: impl Iterator<Item = (K, C)>,
    mut merge: impl FnMut(C, C) -> C,
) -> impl Iterator<Item = (K, C)> {
    let mut table: CombineTable<K, C> = CombineTable::new();
    input.for_each(|(k, c)| {
        table.add(k, c, |old, c| match old {
            Some(old) => merge(old, c),
            None => c,
        });
    });
    table.into_entries().map(|e| (e.key, e.comb))
}
