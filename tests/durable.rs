//! Durable checkpoints: resume across contexts (a new context finds checkpoints only on disk,
//! as a new process would; tests/crash.rs uses real processes), compression, cleanup,
//! validation of everything read, and injected faults.
//!
//! Tests run in parallel threads of one process, so closures count their calls and find their
//! faults through a `tag` parameter that each test picks differently.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rddflow::__private::checkpoint::manifest::{MANIFEST, Manifest, part_path};
use rddflow::prelude::*;

static CALLS: Mutex<Option<HashMap<u64, u64>>> = Mutex::new(None);

/// Counts one call of the closures tagged `tag`.
fn bump(tag: u64) {
    *CALLS
        .lock()
        .unwrap()
        .get_or_insert_with(HashMap::new)
        .entry(tag)
        .or_default() += 1;
}

fn calls(tag: u64) -> u64 {
    CALLS
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|m| m.get(&tag).copied())
        .unwrap_or(0)
}

/// Resuming, and checkpointing marked ancestors too (else only the nearest marked node on
/// each path is written, as in Spark).
fn ctx(dir: &Path) -> Context {
    Context::builder()
        .threads(2)
        .checkpoint_dir(dir)
        .checkpoint_all_marked_ancestors(true)
        .resume(true)
        .build()
        .expect("context")
}

rddflow::pipeline! {
    /// Two checkpoints, one behind a shuffle; `threshold` is used only after both.
    struct Resumable(n: u64, scale: u64, threshold: u64, tag: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        scaled: (u64, u64) = nums.map(|x| {
            bump(tag);
            (x % 5, x * scale)
        });
        sums: (u64, u64) = scaled.reduce_by_key(|a, b| a + b);
        #[checkpoint]
        keyed: (u64, u64) = sums.map(|(k, s)| {
            bump(tag + 1);
            (k, s)
        });
        big: (u64, u64) = keyed.filter(|(_, s)| *s > threshold);
    }
}

fn expected_big(n: u64, scale: u64, threshold: u64) -> Vec<(u64, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for x in 0..n {
        *m.entry(x % 5).or_insert(0u64) += x * scale;
    }
    m.into_iter().filter(|(_, s)| *s > threshold).collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn same_fingerprint_resumes_without_running_the_lineage() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let tag = 100;
    {
        let p = Resumable::new(&ctx(dir.path()), 500, 3, 10, tag)?;
        assert!(!p.scaled.checkpoint_resumed(), "nothing to resume yet");
        assert_eq!(sorted(p.big.collect()?), expected_big(500, 3, 10));
        assert_eq!(calls(tag), 500);
        assert!(p.keyed.is_checkpointed() && !p.keyed.checkpoint_resumed());
    }
    // A new context knows nothing of the first: it finds the checkpoints by fingerprint.
    let p = Resumable::new(&ctx(dir.path()), 500, 3, 10, tag)?;
    assert!(p.keyed.is_checkpointed(), "resumed before any job ran");
    assert!(p.keyed.checkpoint_resumed());
    assert!(p.scaled.checkpoint_resumed());
    assert!(p.keyed.lineage().contains("[checkpointed, resumed]"));
    assert_eq!(sorted(p.big.collect()?), expected_big(500, 3, 10));
    assert_eq!(
        calls(tag),
        500,
        "the marked node's closure did not run again"
    );
    assert_eq!(calls(tag + 1), 5, "nor did the second marked node's");

    // A parameter used only downstream of the checkpoints does not change their fingerprints.
    let q = Resumable::new(&ctx(dir.path()), 500, 3, 400, tag)?;
    assert!(q.keyed.checkpoint_resumed());
    assert_eq!(sorted(q.big.collect()?), expected_big(500, 3, 400));
    assert_eq!(calls(tag) + calls(tag + 1), 505);

    // Without `resume`, nothing is read from an earlier context.
    let plain = Context::builder()
        .threads(2)
        .checkpoint_dir(dir.path())
        .build()?;
    let r = Resumable::new(&plain, 500, 3, 10, tag)?;
    assert!(!r.scaled.checkpoint_resumed() && !r.scaled.is_checkpointed());
    assert_eq!(sorted(r.big.collect()?), expected_big(500, 3, 10));
    assert_eq!(calls(tag), 1000);
    Ok(())
}

#[test]
fn changed_param_recomputes() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let tag = 200;
    let p = Resumable::new(&ctx(dir.path()), 300, 3, 0, tag)?;
    assert_eq!(sorted(p.big.collect()?), expected_big(300, 3, 0));
    assert_eq!(calls(tag), 300);

    // `scale` is used by the first marked node: both checkpoints are computed again.
    let q = Resumable::new(&ctx(dir.path()), 300, 4, 0, tag)?;
    assert!(!q.scaled.checkpoint_resumed() && !q.keyed.checkpoint_resumed());
    assert_eq!(sorted(q.big.collect()?), expected_big(300, 4, 0));
    assert_eq!(calls(tag), 600);
    assert_eq!(calls(tag + 1), 10);

    // `n` changes the source, hence every descendant.
    let r = Resumable::new(&ctx(dir.path()), 301, 4, 0, tag)?;
    assert!(!r.scaled.checkpoint_resumed());
    assert_eq!(sorted(r.big.collect()?), expected_big(301, 4, 0));
    assert_eq!(calls(tag), 901);

    // And both earlier versions are still there to resume.
    let s = Resumable::new(&ctx(dir.path()), 300, 3, 0, tag)?;
    assert!(s.scaled.checkpoint_resumed() && s.keyed.checkpoint_resumed());
    assert_eq!(sorted(s.big.collect()?), expected_big(300, 3, 0));
    assert_eq!(calls(tag), 901);
    Ok(())
}

rddflow::pipeline! {
    struct Lines(path: PathBuf, tag: u64) {
        lines: String = text_file(path, 2);
        #[checkpoint]
        lens: (String, usize) = lines.map(|l| {
            bump(tag);
            let n = l.len();
            (l, n)
        });
    }
}

#[test]
fn changed_input_file_recomputes() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "alpha\nbeta\ngamma\n").unwrap();
    let ckpt = dir.path().join("ckpt");
    let tag = 300;
    let run = || -> rddflow::Result<(Vec<(String, usize)>, bool)> {
        let p = Lines::new(&ctx(&ckpt), input.clone(), tag)?;
        Ok((p.lens.collect()?, p.lens.checkpoint_resumed()))
    };
    let (v, resumed) = run()?;
    assert_eq!(v.len(), 3);
    assert!(!resumed);
    assert_eq!(calls(tag), 3);

    let (v2, resumed) = run()?;
    assert!(resumed, "same file: resumed");
    assert_eq!((v2, calls(tag)), (v.clone(), 3));

    // Another content (and length): recomputed, with the new lines.
    std::fs::write(&input, "alpha\nbeta\ngamma\ndelta\n").unwrap();
    let (v3, resumed) = run()?;
    assert!(!resumed);
    assert_eq!(v3.last().unwrap(), &("delta".to_string(), 5));
    assert_eq!(calls(tag), 7);

    // Same length, same path, only the modification time differs: recomputed too.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&input)
        .unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000))
        .unwrap();
    drop(f);
    let (v4, resumed) = run()?;
    assert!(!resumed);
    assert_eq!(v4, v3);
    assert_eq!(calls(tag), 11);
    Ok(())
}

rddflow::pipeline! {
    struct Base(n: u64, tag: u64) {
        nums: u64 = range(0..n, 3);
        #[checkpoint]
        squares: u64 = nums.map(|x| {
            bump(tag);
            x * x
        });
    }
}

rddflow::pipeline! {
    /// Composed through an `Rdd<T>` parameter: its fingerprint is that of the RDD passed in.
    struct Step(input: Rdd<u64>, tag: u64) {
        #[checkpoint]
        plus: u64 = input.map(|x| {
            bump(tag);
            x + 1
        });
    }
}

#[test]
fn rdd_param_contributes_the_fingerprint_of_its_rdd() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let (tb, ts) = (400, 401);
    let run = |n: u64| -> rddflow::Result<(Vec<u64>, bool)> {
        let c = ctx(dir.path());
        let b = Base::new(&c, n, tb)?;
        let s = Step::new(&c, b.squares.rdd(), ts)?;
        assert_eq!(s.input.fingerprint(), b.squares.fingerprint());
        Ok((s.plus.collect()?, s.plus.checkpoint_resumed()))
    };
    assert_eq!(run(6)?, ((0..6).map(|x| x * x + 1).collect(), false));
    assert_eq!((calls(tb), calls(ts)), (6, 6));
    assert_eq!(run(6)?, ((0..6).map(|x| x * x + 1).collect(), true));
    assert_eq!((calls(tb), calls(ts)), (6, 6), "nothing ran");
    // A different input RDD: the step is recomputed.
    assert_eq!(run(7)?, ((0..7).map(|x| x * x + 1).collect(), false));
    assert_eq!((calls(tb), calls(ts)), (13, 13));
    Ok(())
}

#[test]
fn an_rdd_without_fingerprint_is_never_resumed() -> rddflow::Result<()> {
    // A hand-built source has no fingerprint: nothing downstream of it can be matched with an
    // earlier run, so its checkpoints go to the context's own directory and are recomputed.
    let dir = tempfile::tempdir().unwrap();
    let ts = 450;
    for round in 1..=2 {
        let c = ctx(dir.path());
        let src = rddflow::__private::sources::range::range(&c, "Hand.nums", 0..5, 2)?;
        assert_eq!(src.fingerprint(), None);
        let s = Step::new(&c, src.rdd(), ts)?;
        assert_eq!(s.plus.fingerprint(), None);
        assert_eq!(s.plus.collect()?, vec![1, 2, 3, 4, 5]);
        assert!(!s.plus.checkpoint_resumed());
        assert!(
            !s.plus
                .checkpoint_file()
                .unwrap()
                .starts_with(dir.path().join("resumable"))
        );
        assert_eq!(calls(ts), 5 * round);
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Compression and cleanup.
// ------------------------------------------------------------------------------------------

/// A parameter whose serialization fails: only a context that resumes serializes it.
#[derive(Clone)]
struct Unserializable;

impl serde::Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("not serializable today"))
    }
}

rddflow::pipeline! {
    struct WithOpaque(n: u64, opaque: Unserializable) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        kept: u64 = nums.map(|x| {
            let _ = &opaque;
            x
        });
    }
}

/// Fingerprints key only resumable checkpoints, so a context that does not resume never
/// serializes a parameter (a large one would cost its whole encoding at every `new`).
#[test]
fn parameters_are_hashed_only_by_a_context_that_resumes() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let plain = Context::builder().checkpoint_dir(dir.path()).build()?;
    let p = WithOpaque::new(&plain, 10, Unserializable)?;
    assert_eq!(p.kept.fingerprint(), None);
    assert_eq!(p.kept.count()?, 10);
    assert!(p.kept.is_checkpointed());

    match WithOpaque::new(&ctx(dir.path()), 10, Unserializable) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("`opaque`"), "{m}"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a resuming context serializes its parameters"),
    }
    Ok(())
}

rddflow::pipeline! {
    struct Text(n: u64) {
        nums: u64 = range(0..n, 2);
        #[checkpoint]
        words: String = nums.map(|x| format!("word number {} of a compressible text", x % 50));
        upper: String = words.map(|w| w.to_uppercase());
    }
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("part-"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

#[test]
fn compression_is_recorded_and_read_back() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let want: Vec<String> = (0..5000)
        .map(|x| format!("WORD NUMBER {} OF A COMPRESSIBLE TEXT", x % 50))
        .collect();
    let mut sizes = Vec::new();
    for on in [false, true] {
        let c = Context::builder()
            .threads(2)
            .checkpoint_dir(dir.path().join(on.to_string()))
            .checkpoint_compression(on)
            .resume(true)
            .build()?;
        let p = Text::new(&c, 5000)?;
        assert_eq!(p.upper.collect()?, want);
        let d = p.words.checkpoint_file().unwrap();
        let m = Manifest::read(&d)?;
        assert_eq!(m.compression, if on { "lz4" } else { "none" });
        sizes.push(dir_bytes(&d));
        // Read back by this context (compressed parts decoded) ...
        assert_eq!(p.upper.collect()?, want);
        // ... and resumed by a context whose own setting differs: the manifest says how.
        let other = Context::builder()
            .threads(2)
            .checkpoint_dir(dir.path().join(on.to_string()))
            .checkpoint_compression(!on)
            .resume(true)
            .build()?;
        let q = Text::new(&other, 5000)?;
        assert!(q.words.checkpoint_resumed());
        assert_eq!(q.upper.collect()?, want);
    }
    assert!(
        sizes[1] * 4 < sizes[0],
        "LZ4 shrinks repetitive text: {} vs {} bytes",
        sizes[1],
        sizes[0]
    );
    Ok(())
}

#[test]
fn clean_checkpoints_removes_files_with_the_rdd_and_the_run_dir_with_the_context()
-> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    for clean in [true, false] {
        let base = dir.path().join(clean.to_string());
        let c = Context::builder()
            .threads(2)
            .checkpoint_dir(&base)
            .clean_checkpoints(clean)
            .build()?;
        let p = Text::new(&c, 100)?;
        p.upper.count()?;
        let files = p.words.checkpoint_file().unwrap();
        let run_dir = files.parent().unwrap().to_path_buf();
        assert!(files.join(MANIFEST).is_file());
        // A handle kept elsewhere keeps the files.
        let words = p.words.clone();
        drop(p);
        assert!(files.join(MANIFEST).is_file());
        drop(words);
        assert_eq!(
            !files.exists(),
            clean,
            "files removed iff clean_checkpoints"
        );
        assert!(run_dir.is_dir(), "the context is still alive");
        drop(c);
        assert_eq!(
            !run_dir.exists(),
            clean,
            "run dir removed iff clean_checkpoints"
        );
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Validation of everything read.
// ------------------------------------------------------------------------------------------

rddflow::pipeline! {
    struct Small(n: u64) {
        nums: u64 = range(0..n, 3);
        #[checkpoint]
        marked: (u64, String) = nums.map(|x| (x * 7, format!("v{x}")));
        child: usize = marked.map(|(_, s)| s.len());
    }
}

fn expected_small(n: u64) -> Vec<usize> {
    (0..n).map(|x| format!("v{x}").len()).collect()
}

/// The error of resuming `Small` from `ckpt` and collecting it, or its data.
fn resume_small(ckpt: &Path, n: u64) -> rddflow::Result<Vec<usize>> {
    let c = Context::builder()
        .threads(1)
        .checkpoint_dir(ckpt)
        .resume(true)
        .build()?;
    let p = Small::new(&c, n)?;
    assert!(p.marked.checkpoint_resumed());
    p.child.collect()
}

fn small_checkpoint(ckpt: &Path, n: u64, compress: bool) -> PathBuf {
    let c = Context::builder()
        .threads(1)
        .checkpoint_dir(ckpt)
        .checkpoint_compression(compress)
        .resume(true)
        .build()
        .unwrap();
    let p = Small::new(&c, n).unwrap();
    assert_eq!(p.child.collect().unwrap(), expected_small(n));
    p.marked.checkpoint_file().unwrap()
}

fn expect_corrupt<T: std::fmt::Debug>(r: rddflow::Result<T>, file: &Path, what: &str) {
    match r {
        Err(Error::CorruptCheckpoint { path, reason }) => {
            assert_eq!(path, file, "{what}: {reason}");
        }
        other => panic!("{what}: expected CorruptCheckpoint naming {file:?}, got {other:?}"),
    }
}

#[test]
fn every_single_byte_change_of_every_file_is_detected() {
    for compress in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let n = 12;
        let cp = small_checkpoint(dir.path(), n, compress);
        let mut files: Vec<PathBuf> = (0..3).map(|i| part_path(&cp, i)).collect();
        files.push(cp.join(MANIFEST));
        let mut checked = 0;
        for f in &files {
            let pristine = std::fs::read(f).unwrap();
            for at in 0..pristine.len() {
                for mask in [0x01u8, 0x80, 0xFF] {
                    let mut b = pristine.clone();
                    b[at] ^= mask;
                    std::fs::write(f, &b).unwrap();
                    let what = format!("{} byte {at} ^ {mask:#x}", f.display());
                    expect_corrupt(resume_small(dir.path(), n), f, &what);
                    checked += 1;
                }
            }
            std::fs::write(f, &pristine).unwrap();
        }
        assert!(checked > 1000, "{checked} changes checked");
        // Untouched, it resumes and reads correctly.
        assert_eq!(resume_small(dir.path(), n).unwrap(), expected_small(n));
    }
}

#[test]
fn truncated_or_missing_files_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let n = 30;
    let cp = small_checkpoint(dir.path(), n, false);
    let manifest = cp.join(MANIFEST);
    let pristine = std::fs::read(&manifest).unwrap();
    for keep in [0, 1, pristine.len() / 2, pristine.len() - 1] {
        std::fs::write(&manifest, &pristine[..keep]).unwrap();
        expect_corrupt(resume_small(dir.path(), n), &manifest, "truncated manifest");
    }
    std::fs::write(&manifest, &pristine).unwrap();
    let part = part_path(&cp, 1);
    let bytes = std::fs::read(&part).unwrap();
    std::fs::write(&part, &bytes[..bytes.len() - 1]).unwrap();
    expect_corrupt(resume_small(dir.path(), n), &part, "truncated part");
    std::fs::remove_file(&part).unwrap();
    expect_corrupt(resume_small(dir.path(), n), &part, "missing part");
    std::fs::write(&part, &bytes).unwrap();
    assert_eq!(resume_small(dir.path(), n).unwrap(), expected_small(n));
    // Without its manifest a checkpoint does not exist: it is computed and committed again.
    std::fs::remove_file(&manifest).unwrap();
    let c = Context::builder()
        .threads(1)
        .checkpoint_dir(dir.path())
        .resume(true)
        .build()
        .unwrap();
    let p = Small::new(&c, n).unwrap();
    assert!(!p.marked.checkpoint_resumed());
    assert_eq!(p.child.collect().unwrap(), expected_small(n));
    assert!(manifest.is_file());
}

/// Rewrites the manifest of `cp` with `edit` applied, with a valid checksum: what a reader
/// must still refuse is then a field that does not match what it expects.
fn edit_manifest(cp: &Path, edit: impl FnOnce(&mut Manifest)) {
    let mut m = Manifest::read(cp).unwrap();
    edit(&mut m);
    m.write(cp).unwrap();
}

#[test]
fn manifest_fields_are_checked_against_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let n = 20;
    let cp = small_checkpoint(dir.path(), n, false);
    let manifest = cp.join(MANIFEST);
    let pristine = std::fs::read(&manifest).unwrap();
    type Edit = Box<dyn Fn(&mut Manifest)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "element type",
            Box::new(|m| m.element_type = "(u64, u32)".into()),
        ),
        ("codec", Box::new(|m| m.codec = "bincode".into())),
        (
            "unknown compression",
            Box::new(|m| m.compression = "snappy".into()),
        ),
        ("format version", Box::new(|m| m.format = 99)),
        (
            "fingerprint",
            Box::new(|m| m.fingerprint = Some("0".repeat(32))),
        ),
        ("node", Box::new(|m| m.node = "Small.other".into())),
        (
            "partitioner",
            Box::new(|m| m.partitioner = Some(rddflow::Partitioner::hash(3))),
        ),
        (
            "compression of uncompressed parts",
            Box::new(|m| m.compression = "lz4".into()),
        ),
        ("record count", Box::new(|m| m.parts[0].records += 1)),
        ("part length", Box::new(|m| m.parts[2].bytes -= 1)),
        ("part checksum", Box::new(|m| m.parts[1].crc32 ^= 1)),
        ("part list", Box::new(|m| m.parts.truncate(2))),
    ];
    for (what, edit) in cases {
        edit_manifest(&cp, edit);
        match resume_small(dir.path(), n) {
            Err(Error::CorruptCheckpoint { path, reason }) => {
                assert!(path.starts_with(&cp), "{what}: {}", path.display());
                eprintln!("{what}: {reason}");
            }
            other => panic!("{what}: expected CorruptCheckpoint, got {other:?}"),
        }
        std::fs::write(&manifest, &pristine).unwrap();
    }
    edit_manifest(&cp, |m| {
        m.partitions = 4;
        m.parts.push(m.parts[0]);
    });
    match resume_small(dir.path(), n) {
        Err(Error::PartitionCountMismatch {
            expected: 3,
            found: 4,
            ..
        }) => {}
        other => panic!("expected PartitionCountMismatch, got {other:?}"),
    }
}

rddflow::pipeline! {
    struct Vectors(n: u64) {
        nums: u64 = range(0..n, 1);
        #[checkpoint]
        vecs: Vec<u64> = nums.map(|x| vec![x; 3]);
        #[checkpoint]
        texts: String = nums.map(|x| format!("{x}"));
    }
}

#[test]
fn a_corrupt_length_inside_a_part_cannot_cause_a_huge_allocation() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let build = || -> rddflow::Result<Vectors> {
        let c = Context::builder()
            .threads(1)
            .checkpoint_dir(dir.path())
            .resume(true)
            .build()?;
        Vectors::new(&c, 4)
    };
    let p = build()?;
    p.vecs.count()?;
    p.texts.count()?;
    for d in [
        p.vecs.checkpoint_file().unwrap(),
        p.texts.checkpoint_file().unwrap(),
    ] {
        // One record claiming 2^62 elements (or bytes), then a few bytes: a decoder that
        // trusted the length would abort the process trying to allocate it.
        let mut forged = postcard::to_allocvec(&(1u64 << 62)).unwrap();
        forged.extend_from_slice(&[1, 2, 3]);
        let part = part_path(&d, 0);
        std::fs::write(&part, &forged).unwrap();
        edit_manifest(&d, |m| {
            m.parts[0].records = 1;
            m.parts[0].bytes = forged.len() as u64;
            m.parts[0].crc32 = crc32fast::hash(&forged);
        });
    }
    let q = build()?;
    let vp = part_path(&q.vecs.checkpoint_file().unwrap(), 0);
    expect_corrupt(q.vecs.collect(), &vp, "forged vector length");
    let tp = part_path(&q.texts.checkpoint_file().unwrap(), 0);
    expect_corrupt(q.texts.collect(), &tp, "forged string length");
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Faults in the middle of a job.
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Remove the whole checkpoint directory.
    Remove,
    /// Replace the checkpoint directory with a regular file (fails as root too).
    ReplaceWithFile,
    /// Make every directory under it read-only.
    ReadOnly,
}

static FAULTS: Mutex<Vec<(u64, PathBuf, Fault)>> = Mutex::new(Vec::new());

/// Called by the marked node's closure: applies the fault registered for `tag`, once.
fn fault_point(tag: u64) {
    let hit = {
        let mut f = FAULTS.lock().unwrap();
        f.iter().position(|(t, ..)| *t == tag).map(|i| f.remove(i))
    };
    if let Some((_, dir, fault)) = hit {
        match fault {
            Fault::Remove => std::fs::remove_dir_all(&dir).unwrap(),
            Fault::ReplaceWithFile => {
                std::fs::remove_dir_all(&dir).unwrap();
                std::fs::write(&dir, b"not a directory").unwrap();
            }
            Fault::ReadOnly => set_read_only(&dir, true),
        }
    }
}

fn set_read_only(dir: &Path, on: bool) {
    use std::os::unix::fs::PermissionsExt;
    for e in walk(dir) {
        if e.is_dir() {
            let mode = if on { 0o555 } else { 0o755 };
            std::fs::set_permissions(&e, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let children: Vec<PathBuf> = std::fs::read_dir(&out[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            out.extend(children);
        }
        i += 1;
    }
    out
}

rddflow::pipeline! {
    /// The fault strikes while partition 2 of `marked` is being computed and written.
    struct Faulty(n: u64, tag: u64) {
        nums: u64 = range(0..n, 4);
        #[checkpoint]
        marked: u64 = nums.map(|x| {
            if x == n / 2 + 1 {
                fault_point(tag);
            }
            x * 3
        });
        child: u64 = marked.map(|x| x + 1);
    }
}

fn faulty_want(n: u64) -> Vec<u64> {
    (0..n).map(|x| x * 3 + 1).collect()
}

/// No visible checkpoint (manifest) anywhere under `dir`, and no temporary file left.
fn assert_nothing_visible(dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    for p in walk(dir) {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name != MANIFEST, "no manifest may exist: {}", p.display());
        assert!(
            !name.ends_with(".tmp"),
            "temporary file left: {}",
            p.display()
        );
    }
}

fn faulty_ctx(dir: &Path) -> Context {
    Context::builder()
        .threads(1)
        .checkpoint_dir(dir)
        .build()
        .unwrap()
}

#[test]
fn checkpoint_dir_removed_mid_job_is_an_error_then_a_correct_recomputation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let tag = 500;
    let c = faulty_ctx(&dir);
    let p = Faulty::new(&c, 400, tag).unwrap();
    FAULTS
        .lock()
        .unwrap()
        .push((tag, dir.clone(), Fault::Remove));
    match p.child.collect() {
        Err(Error::Io { path, .. }) => assert!(path.starts_with(&dir), "{}", path.display()),
        other => panic!("expected an I/O error under the checkpoint dir, got {other:?}"),
    }
    assert!(!p.marked.is_checkpointed());
    assert_nothing_visible(&dir);
    // The next job writes the checkpoint again; parts recorded before the fault, whose files
    // went with the directory, are computed again rather than reported.
    assert_eq!(p.child.collect().unwrap(), faulty_want(400));
    assert!(p.marked.is_checkpointed());
    assert!(p.marked.checkpoint_file().unwrap().join(MANIFEST).is_file());
    assert_eq!(p.child.collect().unwrap(), faulty_want(400));
}

#[test]
fn checkpoint_dir_replaced_by_a_file_mid_job_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let tag = 600;
    let c = faulty_ctx(&dir);
    let p = Faulty::new(&c, 400, tag).unwrap();
    FAULTS
        .lock()
        .unwrap()
        .push((tag, dir.clone(), Fault::ReplaceWithFile));
    for _ in 0..2 {
        match p.child.collect() {
            Err(Error::Io { path, .. }) => assert!(path.starts_with(&dir), "{}", path.display()),
            other => panic!("expected an I/O error under the checkpoint dir, got {other:?}"),
        }
        assert!(!p.marked.is_checkpointed());
    }
    std::fs::remove_file(&dir).unwrap();
    assert_eq!(p.child.collect().unwrap(), faulty_want(400));
    assert!(p.marked.is_checkpointed());
}

#[test]
fn checkpoint_dir_made_read_only_mid_job_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    // Root ignores permissions: then this fault cannot happen, and the test checks instead
    // that the job succeeds (the file-replacement test above covers the failure as root).
    let probe = tmp.path().join("probe");
    std::fs::create_dir(&probe).unwrap();
    set_read_only(&probe, true);
    let enforced = std::fs::write(probe.join("x"), b"x").is_err();
    set_read_only(&probe, false);

    let tag = 700;
    let c = faulty_ctx(&dir);
    let p = Faulty::new(&c, 400, tag).unwrap();
    FAULTS
        .lock()
        .unwrap()
        .push((tag, dir.clone(), Fault::ReadOnly));
    let r = p.child.collect();
    set_read_only(&dir, false);
    if enforced {
        match r {
            Err(Error::Io { path, .. }) => assert!(path.starts_with(&dir), "{}", path.display()),
            other => panic!("expected an I/O error under the checkpoint dir, got {other:?}"),
        }
        assert!(!p.marked.is_checkpointed());
        assert_nothing_visible(&dir);
        assert_eq!(p.child.collect().unwrap(), faulty_want(400));
    } else {
        assert_eq!(r.unwrap(), faulty_want(400));
    }
    assert!(p.marked.is_checkpointed());
}

#[test]
fn disk_full_while_writing_is_an_error_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ckpt");
    let c = faulty_ctx(&dir);
    let p = Faulty::new(&c, 4000, 800).unwrap();
    // Parts of 1000 u64 values: about 2 KB each, more than the simulated capacity.
    rddflow::__private::checkpoint::faults::simulate_disk_full(&dir, Some(1000));
    let r = p.child.collect();
    match r {
        Err(Error::Io { path, source, .. }) => {
            assert!(path.starts_with(&dir), "{}", path.display());
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        }
        other => panic!("expected a disk-full I/O error, got {other:?}"),
    }
    assert!(!p.marked.is_checkpointed());
    assert_nothing_visible(&dir);
    // Room for the parts but not for the manifest: still nothing visible.
    rddflow::__private::checkpoint::faults::simulate_disk_full(&dir, None);
    let marked_dir = walk(&dir)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("rdd-"))
        .expect("the checkpoint directory was created");
    let manifest_tmp = marked_dir.join(format!(".{MANIFEST}"));
    rddflow::__private::checkpoint::faults::simulate_disk_full(&manifest_tmp, Some(100));
    match p.child.collect() {
        Err(Error::Io { path, source, .. }) => {
            assert!(path.starts_with(&marked_dir), "{}", path.display());
            assert_eq!(source.kind(), std::io::ErrorKind::StorageFull);
        }
        other => panic!("expected a disk-full I/O error, got {other:?}"),
    }
    assert!(!p.marked.is_checkpointed());
    assert_nothing_visible(&dir);
    rddflow::__private::checkpoint::faults::simulate_disk_full(&manifest_tmp, None);
    assert_eq!(p.child.collect().unwrap(), faulty_want(4000));
    assert!(p.marked.is_checkpointed());
}
