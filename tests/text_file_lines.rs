//! `text_file` lines that do not fit the reader's buffer (256 KiB): lines longer than it, and
//! `\r\n` endings and invalid UTF-8 placed around its boundaries. Most lines are read straight
//! from the buffer; these go through the slower path, and must read the same.

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Lines(path: std::path::PathBuf, min: usize) {
        lines: String = text_file(path, min);
    }
}

const BUFFER: usize = 1 << 18;

fn ctx() -> Context {
    Context::builder().threads(2).build().expect("context")
}

/// Lines of every length around multiples of the buffer size, some `\r\n`-terminated, one
/// of them several buffers long, and a last line without a newline.
fn text() -> String {
    let mut s = String::new();
    let lengths = [
        10,
        BUFFER - 7,
        BUFFER,
        1,
        BUFFER + 1,
        3 * BUFFER + 5,
        0,
        BUFFER - 1,
        17,
    ];
    for (i, len) in lengths.into_iter().enumerate() {
        s.push_str(&"é".repeat(len / 2));
        s.push_str(&"x".repeat(len % 2));
        s.push_str(if i.is_multiple_of(2) { "\r\n" } else { "\n" });
    }
    // Many short lines, so that a `\r\n` falls across a buffer boundary somewhere.
    for j in 0..200_000 {
        s.push_str(&format!("{j}\r\n"));
    }
    s.push_str("last, no newline\r");
    s
}

#[test]
fn long_and_straddling_lines_read_as_str_lines() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("long.txt");
    let content = text();
    std::fs::write(&f, &content).expect("write");
    // `str::lines` strips `\r\n` and `\n`, and keeps a final `\r` without a newline.
    let want: Vec<&str> = content.lines().collect();
    assert_eq!(want.last(), Some(&"last, no newline\r"));
    for min in [1, 3, 7] {
        let got = Lines::new(&ctx(), f.clone(), min)?.lines.collect()?;
        assert_eq!(got.len(), want.len(), "min_partitions {min}");
        assert!(got == want, "min_partitions {min}: lines differ");
    }
    Ok(())
}

#[test]
fn invalid_utf8_in_a_line_longer_than_the_buffer_names_its_offset() -> rddflow::Result<()> {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("bad.txt");
    let mut bytes = b"short\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'a', BUFFER + 100));
    let bad_at = bytes.len() as u64;
    bytes.push(0xFF);
    bytes.extend_from_slice(b"tail\nmore\n");
    std::fs::write(&f, &bytes).expect("write");
    match Lines::new(&ctx(), f.clone(), 1)?.lines.collect() {
        Err(Error::InvalidInput { path, offset, .. }) => {
            assert_eq!(path, f);
            assert_eq!(offset, bad_at);
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    Ok(())
}

rddflow::pipeline! {
    struct Lengths(path: std::path::PathBuf, min: usize) {
        lines: String = text_file(path, min);
        lengths: u64 = lines.map(|l| l.len() as u64);
    }
}

#[test]
fn invalid_utf8_in_a_later_split_does_not_fail_an_earlier_one() -> rddflow::Result<()> {
    // The reader reads ahead of its split's end; a bad byte it sees there belongs to the next
    // split, so `take`, which reads the first partition alone, still succeeds.
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("late-bad.txt");
    let mut bytes = Vec::new();
    for i in 0..1000 {
        bytes.extend_from_slice(format!("line {i}\n").as_bytes());
    }
    let bad_at = bytes.len() as u64 + 4;
    bytes.extend_from_slice(b"bad \xFF here\n");
    std::fs::write(&f, &bytes).expect("write");
    let l = Lengths::new(&ctx(), f.clone(), 4)?;
    assert!(l.lines.num_partitions() >= 4);
    assert_eq!(l.lines.take(3)?, ["line 0", "line 1", "line 2"]);
    match l.lengths.count() {
        Err(Error::InvalidInput { path, offset, .. }) => {
            assert_eq!(path, f);
            assert_eq!(offset, bad_at);
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    Ok(())
}
