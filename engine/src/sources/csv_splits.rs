//! Where `csv_file` cuts a file into splits: at record ends, never inside a quoted field.
//!
//! A byte offset alone does not say whether it lies inside quotes, so the file is read from
//! its header on. Two passes find the same cuts:
//!
//! - [`scan`], the fast one: `memchr` jumps between the bytes that matter (`"`, `\r`, `\n`
//!   outside quotes; `"` inside) and tracks RFC 4180's quote state with the `csv` crate's
//!   defaults (`"` quotes, `""` escapes it, no escape byte, `,` delimits, `\r`, `\n` and
//!   `\r\n` end records, empty lines are skipped). It gives up ([`Scan::Quirky`]) at the first
//!   quote the `csv` crate reads differently from that model: one that opens anywhere but at a
//!   field's start (`ab"c` is literal text to the crate), or one that closes a field and is
//!   followed by anything but `"`, `,`, `\r`, `\n` or the end (`"ab"c`).
//! - [`parse`], the exact one: the `csv` crate itself reads raw records. It is the fallback
//!   for a quirky file.
//!
//! Both report each cut as the `csv::Position` the crate's reader has right after the record
//! before it: the byte after the terminator as the crate consumes it (after the `\r` of a
//! `\r\n`, whose `\n` then reads as an empty line), the line (one plus the `\n` bytes before
//! it, quoted ones included) and the records read (the header included). A reader that seeks
//! there therefore reports the same positions, hence the same error lines, as one that read
//! the file from its start.

use std::io::{self, Read};

use csv::{ByteRecord, Position};
use memchr::{memchr, memchr3};

use super::input_files::SPLIT_SLOP;

/// Chooses the cuts from the record ends, in file order: the first record end at least a split
/// size after the previous cut, while what remains after that cut is more than
/// [`SPLIT_SLOP`] split sizes (as `text_file`'s splits, Hadoop's rule).
pub(super) struct Cutter {
    /// The previous cut (the first record after the header to begin with).
    start: u64,
    split_size: u64,
    len: u64,
    cuts: Vec<Position>,
}

impl Cutter {
    /// Cuts for a file of `len` bytes whose records start at byte `start`.
    pub(super) fn new(start: u64, len: u64, split_size: u64) -> Self {
        Cutter {
            start,
            split_size: split_size.max(1),
            len,
            cuts: Vec::new(),
        }
    }

    /// Whether the rest of the file, from the last cut, is to be cut again.
    pub(super) fn wants_more(&self) -> bool {
        self.len.saturating_sub(self.start) as f64 / self.split_size as f64 > SPLIT_SLOP
    }

    /// Whether a record ending just before byte `at` ends the current split (a cut at the
    /// file's end would only add an empty split).
    fn due(&self, at: u64) -> bool {
        at - self.start >= self.split_size && at < self.len
    }

    /// Offers the record end `at`; returns whether more cuts are wanted.
    fn offer(&mut self, at: Position) -> bool {
        if self.due(at.byte()) {
            self.start = at.byte();
            self.cuts.push(at);
        }
        self.wants_more()
    }

    /// The last cut so far.
    pub(super) fn last_cut(&self) -> Option<&Position> {
        self.cuts.last()
    }

    /// The cuts, in file order.
    pub(super) fn into_cuts(self) -> Vec<Position> {
        self.cuts
    }
}

/// What [`scan`] found.
#[derive(Debug, PartialEq)]
pub(super) enum Scan {
    /// Every cut was found (in the cutter).
    Done,
    /// The quote at this byte is read differently by the `csv` crate than by the quote model;
    /// the cutter's cuts so far are right, the rest must come from [`parse`].
    Quirky(u64),
}

/// Where the fast scan is between two bytes.
#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Outside quotes.
    Out,
    /// Inside a quoted field.
    In,
    /// Just after a `"` inside a quoted field, whose meaning the next byte decides (the `"`
    /// was the last byte of a buffer).
    QuoteInQuotes,
}

/// Bytes read at a time by [`scan`].
const CHUNK: usize = 1 << 20;

/// Offers `cutter` every record end of `input`, which starts at `from` (just after a record
/// end, or at the first record: after the header), with the quote model, until the cutter
/// wants no more cuts or the input ends.
pub(super) fn scan(mut input: impl Read, from: &Position, cutter: &mut Cutter) -> io::Result<Scan> {
    let mut buf = vec![0u8; CHUNK];
    let mut state = State::Out;
    // The byte before `buf[0]`: a record end, as the scan starts at a record's start.
    let mut last = b'\n';
    let (mut off, mut line, mut record) = (from.byte(), from.line(), from.record());
    while cutter.wants_more() {
        let n = fill(&mut input, &mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        // `\n` bytes in `chunk[..counted]` are in `line`; the rest are counted at a cut or at
        // the chunk's end, as cuts are rare.
        let mut counted = 0;
        let mut i = 0;
        if state == State::QuoteInQuotes {
            match chunk[0] {
                b'"' => (state, i) = (State::In, 1),
                b',' => (state, i) = (State::Out, 1),
                b'\r' | b'\n' => state = State::Out,
                _ => return Ok(Scan::Quirky(off - 1)),
            }
        }
        loop {
            if state == State::In {
                let Some(k) = memchr(b'"', &chunk[i..]) else {
                    break;
                };
                let q = i + k;
                match chunk.get(q + 1) {
                    None => {
                        state = State::QuoteInQuotes;
                        break;
                    }
                    Some(b'"') => i = q + 2,
                    Some(b',') => (state, i) = (State::Out, q + 2),
                    Some(b'\r' | b'\n') => (state, i) = (State::Out, q + 1),
                    Some(_) => return Ok(Scan::Quirky(off + q as u64)),
                }
                continue;
            }
            let Some(k) = memchr3(b'"', b'\n', b'\r', &chunk[i..]) else {
                break;
            };
            let q = i + k;
            let prev = if q == 0 { last } else { chunk[q - 1] };
            i = q + 1;
            if chunk[q] == b'"' {
                if !matches!(prev, b',' | b'\r' | b'\n') {
                    return Ok(Scan::Quirky(off + q as u64));
                }
                state = State::In;
            } else if !matches!(prev, b'\r' | b'\n') {
                // A terminator after a record's text ends it (one after another terminator is an
                // empty line, which the crate skips).
                record += 1;
                let at = off + i as u64;
                if cutter.due(at) {
                    line += newlines(&chunk[counted..i]);
                    counted = i;
                    let mut pos = Position::new();
                    pos.set_byte(at).set_line(line).set_record(record);
                    if !cutter.offer(pos) {
                        return Ok(Scan::Done);
                    }
                }
            }
        }
        line += newlines(&chunk[counted..]);
        last = chunk[n - 1];
        off += n as u64;
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

/// Offers `cutter` every record end that `rdr` reads from its current position, until the
/// cutter wants no more cuts or the input ends: the exact pass, the `csv` crate's own reading.
pub(super) fn parse<R: Read>(rdr: &mut csv::Reader<R>, cutter: &mut Cutter) -> csv::Result<()> {
    let mut record = ByteRecord::new();
    while cutter.wants_more() && rdr.read_byte_record(&mut record)? {
        if !cutter.offer(rdr.position().clone()) {
            break;
        }
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
        let mut c = Cutter::new(from.byte(), text.len() as u64, split);
        parse(&mut rdr, &mut c).unwrap();
        c.into_cuts()
    }

    /// The fast scan's cuts (the state carried across its buffers is tested by
    /// `every_chunk_edge`).
    fn fast(text: &[u8], split: u64) -> (Scan, Vec<Position>) {
        let from = after_header(text);
        let mut c = Cutter::new(from.byte(), text.len() as u64, split);
        let scan = scan(&text[from.byte() as usize..], &from, &mut c).unwrap();
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
        fn the_scan_cuts_where_the_csv_crate_does(text in csv_text(false), split in 1u64..200) {
            let (scan, cuts) = fast(text.as_bytes(), split);
            prop_assert_eq!(scan, Scan::Done);
            prop_assert_eq!(cuts, exact(text.as_bytes(), split));
        }

        /// On quirky input the scan either gives up, with right cuts so far, or finished
        /// before the first quirk.
        #[test]
        fn the_scan_gives_up_on_quirky_quotes_or_cuts_right(
            text in csv_text(true),
            split in 1u64..200,
        ) {
            let (scan, cuts) = fast(text.as_bytes(), split);
            let want = exact(text.as_bytes(), split);
            match scan {
                Scan::Done => prop_assert_eq!(cuts, want),
                Scan::Quirky(at) => {
                    prop_assert_eq!(&cuts[..], &want[..cuts.len()]);
                    prop_assert_eq!(text.as_bytes()[at as usize], b'"');
                }
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
            let (scan, _) = fast(text.as_bytes(), 1);
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
            let (scan, cuts) = fast(text.as_bytes(), split);
            assert_eq!(scan, Scan::Done);
            assert_eq!(cuts, exact(text.as_bytes(), split), "split {split}");
        }
        // A closing quote at each offset around the first buffer's edge, followed by `"`,
        // `,` or a terminator.
        for pad in 0..8 {
            for after in ["\"\"\n", ",", "\r\n", "\n"] {
                let text = format!("h\n{},\"a\nb\"{after}z\nz\n", "x".repeat(CHUNK - 8 + pad));
                let (scan, cuts) = fast(text.as_bytes(), 100);
                assert_eq!(scan, Scan::Done, "pad {pad}, {after:?}");
                assert!(!cuts.is_empty());
                assert_eq!(cuts, exact(text.as_bytes(), 100), "pad {pad}, {after:?}");
            }
        }
    }
}
