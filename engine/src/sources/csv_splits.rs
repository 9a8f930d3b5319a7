//! Where `csv_file` cuts a file into splits: at record ends, never inside a quoted field.
//!
//! The cuts are placed as `text_file`'s: split `k` starts at the first record that starts at or
//! after byte `first + k * split_size` (`first` being where the records start, after the
//! header), with Hadoop's 10% slop for the last split. A byte offset alone does not say
//! whether it lies inside quotes, so the file is read from the header on, by one of two
//! passes that find the same cuts:
//!
//! - [`scan`], the fast one: `memchr` jumps between the bytes that matter (`"`, `\r`, `\n`
//!   outside quotes; `"` inside) and tracks RFC 4180's quote state with the `csv` crate's
//!   defaults (`"` quotes, `""` escapes it, no escape byte, `,` delimits, `\r`, `\n` and
//!   `\r\n` end records, empty lines are skipped). The file is scanned in pieces in parallel:
//!   the state at a piece's start is unknown, so each piece is scanned under both guesses (in
//!   quotes or not; a piece boundary never follows a `"`, so no third state), and the pieces
//!   are then chained in order, each taking the run whose guess matches where the previous
//!   one ended. On ordinary data the wrong guess soon meets a quote it cannot explain and
//!   stops. The scan gives up ([`Scan::Quirky`]) at the first quote the `csv` crate reads
//!   differently from the model: one that opens anywhere but at a field's start (`ab"c` is
//!   literal text to the crate), or one that closes a field and is followed by anything but
//!   `"`, `,`, `\r`, `\n` or the end (`"ab"c`).
//! - [`parse`], the exact one: the `csv` crate itself reads raw records, serially. It is the
//!   fallback for a quirky file.
//!
//! Both report each cut as the `csv::Position` the crate's reader has right after the record
//! before it: the byte after the terminator as the crate consumes it (after the `\r` of a
//! `\r\n`, whose `\n` then reads as an empty line), the line (one plus the `\n` bytes before
//! it, quoted ones included) and the records read (the header included). A reader that seeks
//! there therefore reports the same positions, hence the same error lines, as one that read
//! the file from its start.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use csv::{ByteRecord, Position};
use memchr::{memchr, memchr3};
use rayon::prelude::*;

use super::input_files::SPLIT_SLOP;
use crate::context::Context;

/// The cuts of one file, chosen from its record ends offered in file order.
pub(super) struct Cuts {
    /// Byte offsets `first + k * split_size`: cut `k` is the first record end at or after
    /// target `k`.
    targets: Vec<u64>,
    /// The first target not yet reached.
    next: usize,
    len: u64,
    cuts: Vec<Position>,
}

impl Cuts {
    /// The cuts of a file of `len` bytes whose records start at byte `first`: as many as
    /// `text_file` makes of the same bytes.
    pub(super) fn new(first: u64, len: u64, split_size: u64) -> Self {
        let split_size = split_size.max(1);
        let mut targets = Vec::new();
        let mut start = first;
        while len.saturating_sub(start) as f64 / split_size as f64 > SPLIT_SLOP {
            start += split_size;
            targets.push(start);
        }
        Cuts {
            targets,
            next: 0,
            len,
            cuts: Vec::new(),
        }
    }

    /// Whether a target is still to be reached.
    pub(super) fn wants_more(&self) -> bool {
        self.next < self.targets.len()
    }

    /// The last target, which the parallel scan goes up to.
    fn last_target(&self) -> Option<u64> {
        self.targets.last().copied()
    }

    /// Offers the record end `at` (later than every one offered before).
    fn offer(&mut self, at: Position) {
        let byte = at.byte();
        if self.next >= self.targets.len() || byte < self.targets[self.next] {
            return;
        }
        // A cut at the end would only make an empty split.
        if byte < self.len {
            self.cuts.push(at);
        }
        while self.next < self.targets.len() && self.targets[self.next] <= byte {
            self.next += 1;
        }
    }

    /// The cuts, in file order.
    pub(super) fn into_cuts(self) -> Vec<Position> {
        self.cuts
    }
}

/// What [`scan`] found.
#[derive(Debug, PartialEq)]
pub(super) enum Scan {
    /// Every cut was found.
    Done,
    /// The quote at this byte is read differently by the `csv` crate than by the quote model:
    /// the cuts must come from [`parse`].
    Quirky(u64),
}

/// Where a run is between two bytes.
#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    /// Outside quotes.
    Out,
    /// Inside a quoted field.
    In,
    /// Just after a `"` inside a quoted field, whose meaning the next byte decides (the `"`
    /// was the last byte of a buffer).
    QuoteInQuotes,
}

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;
/// The smallest piece scanned on its own: below this, a task costs more than it saves.
const MIN_PIECE: u64 = 1 << 20;

/// A record end found by a [`Run`], counted from its piece's start.
#[derive(Clone, Copy)]
struct End {
    /// The byte after the end.
    byte: u64,
    /// `\n` bytes from the piece's start to `byte`.
    lines: u64,
    /// Record ends from the piece's start to `byte`.
    records: u64,
}

/// The scan of one piece from a guessed state.
struct Run {
    state: State,
    /// The byte before the current buffer.
    last: u8,
    /// Record ends so far.
    records: u64,
    /// The first target no record end of the run has reached.
    next: usize,
    /// The piece's first record end (it reaches the targets earlier pieces did not).
    first_end: Option<End>,
    /// The first record end at or after each target in the piece.
    ends: Vec<End>,
    quirky: Option<u64>,
}

impl Run {
    /// A run from `state` of a piece at byte `start`, after the byte `before`.
    fn new(state: State, before: u8, start: u64, targets: &[u64]) -> Self {
        Run {
            state,
            last: before,
            records: 0,
            next: targets.partition_point(|&t| t < start),
            first_end: None,
            ends: Vec::new(),
            quirky: None,
        }
    }

    /// Whether the run has what `Cuts` can take from it once every target is behind it:
    /// a run that may stop early (the last one, past the pieces) stops then.
    fn reached_all(&self, targets: &[u64]) -> bool {
        self.first_end.is_some() && self.next >= targets.len()
    }

    /// Scans `chunk`, the piece's bytes from offset `off`, with `lines` `\n` bytes between
    /// the piece's start and `off`. Returns false once the run is quirky, or (if `stop`) has
    /// reached every target.
    fn feed(&mut self, chunk: &[u8], off: u64, lines: u64, targets: &[u64], stop: bool) -> bool {
        if chunk.is_empty() || self.quirky.is_some() {
            return self.quirky.is_none();
        }
        let mut i = 0;
        if self.state == State::QuoteInQuotes {
            match chunk[0] {
                b'"' => (self.state, i) = (State::In, 1),
                b',' => (self.state, i) = (State::Out, 1),
                b'\r' | b'\n' => self.state = State::Out,
                _ => return self.give_up(off - 1),
            }
        }
        loop {
            if self.state == State::In {
                let Some(k) = memchr(b'"', &chunk[i..]) else {
                    break;
                };
                let q = i + k;
                match chunk.get(q + 1) {
                    None => {
                        self.state = State::QuoteInQuotes;
                        break;
                    }
                    Some(b'"') => i = q + 2,
                    Some(b',') => (self.state, i) = (State::Out, q + 2),
                    Some(b'\r' | b'\n') => (self.state, i) = (State::Out, q + 1),
                    Some(_) => return self.give_up(off + q as u64),
                }
                continue;
            }
            let Some(k) = memchr3(b'"', b'\n', b'\r', &chunk[i..]) else {
                break;
            };
            let q = i + k;
            let prev = if q == 0 { self.last } else { chunk[q - 1] };
            i = q + 1;
            if chunk[q] == b'"' {
                if !matches!(prev, b',' | b'\r' | b'\n') {
                    return self.give_up(off + q as u64);
                }
                self.state = State::In;
            } else if !matches!(prev, b'\r' | b'\n') {
                // A terminator after a record's text ends it (one after another terminator is
                // an empty line, which the crate skips).
                self.records += 1;
                let at = off + i as u64;
                let first = self.first_end.is_none();
                let due = self.next < targets.len() && at >= targets[self.next];
                if first || due {
                    let pos = End {
                        byte: at,
                        lines: lines + newlines(&chunk[..i]),
                        records: self.records,
                    };
                    if first {
                        self.first_end = Some(pos);
                    }
                    if due {
                        self.ends.push(pos);
                        while self.next < targets.len() && targets[self.next] <= at {
                            self.next += 1;
                        }
                    }
                    if stop && self.reached_all(targets) {
                        return false;
                    }
                }
            }
        }
        self.last = chunk[chunk.len() - 1];
        true
    }

    fn give_up(&mut self, at: u64) -> bool {
        self.quirky = Some(at);
        false
    }
}

/// One piece `[start, end)` of the scan, with its runs from each state it may start in.
struct Piece {
    /// `\n` bytes in the piece.
    lines: u64,
    out: Run,
    /// `None` for the first piece, which starts outside quotes.
    inside: Option<Run>,
}

/// Scans `[start, end)` of `path` with a run from each of `states`, stopping early (once every
/// target is reached) only if `stop`.
fn scan_piece(
    path: &Path,
    (start, end): (u64, u64),
    states: &[State],
    targets: &[u64],
    stop: bool,
    chunk: usize,
) -> io::Result<(u64, Vec<Run>)> {
    let mut file = File::open(path)?;
    // The byte before the piece (the header's last one, for the first piece).
    let mut before = [b'\n'];
    if start > 0 {
        file.seek(SeekFrom::Start(start - 1))?;
        file.read_exact(&mut before)?;
    }
    let mut runs: Vec<Run> = states
        .iter()
        .map(|&s| Run::new(s, before[0], start, targets))
        .collect();
    let mut input = file.take(end - start);
    let mut buf = vec![0u8; chunk.min((end - start) as usize).max(1)];
    let (mut off, mut lines) = (start, 0);
    loop {
        let n = fill(&mut input, &mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let mut live = false;
        for run in &mut runs {
            live |= run.feed(chunk, off, lines, targets, stop);
        }
        if !live {
            break;
        }
        lines += newlines(chunk);
        off += n as u64;
    }
    Ok((lines, runs))
}

/// The first offset at or after `at` whose previous byte is not a `"` (or the end, `len`): a
/// run can then only be in or out of quotes there, not between the two bytes of a `""`.
fn after_quotes(file: &mut File, at: u64, len: u64) -> io::Result<u64> {
    let mut at = at.min(len);
    let mut buf = [0u8; 64];
    while at < len {
        file.seek(SeekFrom::Start(at - 1))?;
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        match buf[..n].iter().position(|&b| b != b'"') {
            Some(k) => return Ok((at + k as u64).min(len)),
            None => at += n as u64,
        }
    }
    Ok(at.min(len))
}

/// Offers `cuts` the record ends of `path` from `first` (the position after the header) on,
/// with the quote model, scanning pieces in parallel on the context's pool.
pub(super) fn scan(
    ctx: &Context,
    path: &Path,
    first: &Position,
    cuts: &mut Cuts,
) -> io::Result<Scan> {
    scan_with(ctx, path, first, cuts, CHUNK, MIN_PIECE)
}

/// [`scan`] with buffers of `chunk` bytes and pieces of at least `min_piece` bytes.
fn scan_with(
    ctx: &Context,
    path: &Path,
    first: &Position,
    cuts: &mut Cuts,
    chunk: usize,
    min_piece: u64,
) -> io::Result<Scan> {
    let Some(last_target) = cuts.last_target() else {
        return Ok(Scan::Done);
    };
    // Pieces up to the last target; the record that reaches it is found after them.
    let mut file = File::open(path)?;
    let span = last_target - first.byte();
    let count = (span / min_piece.max(1)).clamp(1, 4 * ctx.threads() as u64);
    let mut bounds = vec![first.byte()];
    for k in 1..=count {
        let at = after_quotes(&mut file, first.byte() + span * k / count, cuts.len)?;
        bounds.push(at.max(*bounds.last().unwrap_or(&0)));
    }
    let targets = &cuts.targets;
    let pieces: Vec<Piece> = ctx.install(|| {
        bounds
            .par_windows(2)
            .enumerate()
            .map(|(k, w)| {
                let states: &[State] = if k == 0 {
                    &[State::Out]
                } else {
                    &[State::Out, State::In]
                };
                let (lines, mut runs) =
                    scan_piece(path, (w[0], w[1]), states, targets, false, chunk)?;
                let inside = (k > 0).then(|| runs.pop()).flatten();
                let out = runs.pop().expect("a run from outside quotes");
                Ok(Piece { lines, out, inside })
            })
            .collect::<io::Result<_>>()
    })?;
    // Chain the pieces: each run's positions are made absolute from where the last one ended.
    let (mut line, mut record, mut state) = (first.line(), first.record(), State::Out);
    let offer = |run: &Run, line: u64, record: u64, cuts: &mut Cuts| {
        for end in run.first_end.iter().chain(&run.ends) {
            let mut pos = Position::new();
            pos.set_byte(end.byte)
                .set_line(line + end.lines)
                .set_record(record + end.records);
            cuts.offer(pos);
        }
    };
    for piece in &pieces {
        let run = match state {
            State::Out => &piece.out,
            _ => piece.inside.as_ref().unwrap_or(&piece.out),
        };
        if let Some(at) = run.quirky {
            return Ok(Scan::Quirky(at));
        }
        offer(run, line, record, cuts);
        line += piece.lines;
        record += run.records;
        state = run.state;
    }
    if cuts.wants_more() {
        let start = *bounds.last().unwrap_or(&first.byte());
        let (_, runs) = scan_piece(
            path,
            (start, cuts.len),
            &[state],
            &cuts.targets,
            true,
            chunk,
        )?;
        let run = &runs[0];
        if let Some(at) = run.quirky {
            return Ok(Scan::Quirky(at));
        }
        offer(run, line, record, cuts);
    }
    Ok(Scan::Done)
}

fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Reads into `buf` until it is full or the input ends; the bytes read.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Offers `cuts` every record end that `rdr` reads from its current position, until no
/// target is left or the input ends: the exact pass, the `csv` crate's own reading.
pub(super) fn parse<R: Read>(rdr: &mut csv::Reader<R>, cuts: &mut Cuts) -> csv::Result<()> {
    let mut record = ByteRecord::new();
    while cuts.wants_more() && rdr.read_byte_record(&mut record)? {
        cuts.offer(rdr.position().clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reader `csv_file` uses: the header is a record of its own, lengths unchecked.
    fn reader(text: &[u8]) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text)
    }

    /// The position after the header, as `csv_file` finds it.
    fn after_header(text: &[u8]) -> Position {
        let mut rdr = reader(text);
        rdr.read_byte_record(&mut ByteRecord::new()).unwrap();
        rdr.position().clone()
    }

    fn exact(text: &[u8], split: u64) -> Vec<Position> {
        let from = after_header(text);
        let mut rdr = reader(text);
        rdr.read_byte_record(&mut ByteRecord::new()).unwrap();
        let mut c = Cuts::new(from.byte(), text.len() as u64, split);
        parse(&mut rdr, &mut c).unwrap();
        c.into_cuts()
    }

    fn ctx() -> &'static Context {
        static CTX: std::sync::OnceLock<Context> = std::sync::OnceLock::new();
        CTX.get_or_init(|| Context::builder().threads(2).build().unwrap())
    }

    /// The fast scan's cuts, with buffers of `chunk` bytes and pieces of `piece` bytes or
    /// more (small ones put buffer and piece edges everywhere).
    fn fast(text: &[u8], split: u64, chunk: usize, piece: u64) -> (Scan, Vec<Position>) {
        let from = after_header(text);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        let mut c = Cuts::new(from.byte(), text.len() as u64, split);
        let scan = scan_with(ctx(), &path, &from, &mut c, chunk, piece).unwrap();
        (scan, c.into_cuts())
    }

    /// One field: plain, quoted with awkward content, or (if `quirky`) a quote the model
    /// does not follow.
    fn field(quirky: bool) -> impl Strategy<Value = String> {
        let awkward = proptest::collection::vec(
            prop_oneof![
                Just(","),
                Just("\"\""),
                Just("\n"),
                Just("\r\n"),
                Just("\r"),
                Just("é日😀"),
                Just(" "),
                Just("ab"),
            ],
            0..6,
        )
        .prop_map(|p| format!("\"{}\"", p.concat()));
        let plain = "[a-z0-9 é]{0,6}";
        if quirky {
            prop_oneof![
                4 => awkward.boxed(),
                4 => plain.boxed(),
                1 => Just("ab\"c".to_string()).boxed(),
                1 => Just("\"ab\"c".to_string()).boxed(),
                1 => Just("\"a\" ".to_string()).boxed(),
                1 => Just("x\"\n\"y".to_string()).boxed(),
            ]
            .boxed()
        } else {
            prop_oneof![awkward, plain.prop_map(|s| s.to_string())].boxed()
        }
    }

    /// A header and records with `\n`, `\r\n` or `\r` ends and empty lines between them, the
    /// last record with or without an end.
    fn csv_text(quirky: bool) -> impl Strategy<Value = String> {
        let end = prop_oneof![
            Just("\n"),
            Just("\r\n"),
            Just("\r"),
            Just("\n\n"),
            Just("\r\n\r\n")
        ];
        let rec = (proptest::collection::vec(field(quirky), 1..4), end)
            .prop_map(|(fields, end)| format!("{}{end}", fields.join(",")));
        (proptest::collection::vec(rec, 0..40), any::<bool>()).prop_map(|(recs, cut_end)| {
            let mut text = format!("a,b,c\n{}", recs.concat());
            if cut_end {
                while text.ends_with(['\n', '\r']) {
                    text.pop();
                }
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// On input the model follows, the scan finds exactly the crate's cuts, positions
        /// (byte, line, record) included, for every split size.
        #[test]
        fn the_scan_cuts_where_the_csv_crate_does(
            text in csv_text(false),
            split in 1u64..200,
            chunk in 1usize..64,
            piece in 1u64..300,
        ) {
            let (scan, cuts) = fast(text.as_bytes(), split, chunk, piece);
            prop_assert_eq!(scan, Scan::Done);
            prop_assert_eq!(cuts, exact(text.as_bytes(), split));
        }

        /// On quirky input the scan either gives up, with right cuts so far, or finished
        /// before the first quirk.
        #[test]
        fn the_scan_gives_up_on_quirky_quotes_or_cuts_right(
            text in csv_text(true),
            split in 1u64..200,
            chunk in 1usize..64,
            piece in 1u64..300,
        ) {
            let (scan, cuts) = fast(text.as_bytes(), split, chunk, piece);
            match scan {
                Scan::Done => prop_assert_eq!(cuts, exact(text.as_bytes(), split)),
                Scan::Quirky(at) => prop_assert_eq!(text.as_bytes()[at as usize], b'"'),
            }
        }
    }

    #[test]
    fn quirky_quotes_are_detected() {
        for (text, at) in [
            ("h\nab\"c\n1\n", 4),
            ("h\n\"ab\"c\n1\n", 5),
            ("h\n\"a\" ,b\n1\n", 4),
            ("h\nx,\"a\"\"b\"x\n1\n", 9),
        ] {
            let (scan, _) = fast(text.as_bytes(), 1, CHUNK, MIN_PIECE);
            assert_eq!(scan, Scan::Quirky(at), "{text:?}");
        }
    }

    /// The state carried from one buffer to the next: a quoted field across every possible
    /// buffer edge, with a closing quote as the last byte of a buffer.
    #[test]
    fn every_chunk_edge() {
        let mut text = String::from("h1,h2\n");
        let mut i = 0;
        while text.len() < 3 * CHUNK {
            text.push_str(&format!("{i},\"q\"\"\n{}\"\r\n", "x".repeat(i % 97)));
            i += 1;
        }
        for split in [1000, 77_777, CHUNK as u64 - 3] {
            let (scan, cuts) = fast(text.as_bytes(), split, CHUNK, MIN_PIECE);
            assert_eq!(scan, Scan::Done);
            assert_eq!(cuts, exact(text.as_bytes(), split), "split {split}");
        }
        // A closing quote at each offset around the first buffer's edge, followed by `"`,
        // `,` or a terminator.
        for pad in 0..8 {
            for after in ["\"\"\n", ",", "\r\n", "\n"] {
                let text = format!("h\n{},\"a\nb\"{after}z\nz\n", "x".repeat(CHUNK - 8 + pad));
                let (scan, cuts) = fast(text.as_bytes(), 100, CHUNK, MIN_PIECE);
                assert_eq!(scan, Scan::Done, "pad {pad}, {after:?}");
                assert!(!cuts.is_empty());
                assert_eq!(cuts, exact(text.as_bytes(), 100), "pad {pad}, {after:?}");
            }
        }
    }
}
