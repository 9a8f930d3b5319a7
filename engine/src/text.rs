//! [`Text`]: an immutable string that can share the buffer it was read into, so that the lines
//! of `text_file` and the words split from them cost no allocation each.
//!
//! A `String` record owns its bytes: reading a line copies it out of the read buffer, and
//! splitting it into words allocates once per word, which made the README's word count spend
//! half its instructions in the allocator (BENCHMARKS.md, "Issue 16"). A `Text` is one of
//! three things, decided when it is made ([`hipstr`] does the representation):
//! - **inline**: up to 23 bytes in the value itself (most words), no heap at all;
//! - **shared**: a range of a reference-counted buffer (the lines of `text_file`, which share
//!   the 256 KiB chunk they were read in); cloning it counts a reference;
//! - **owned**: a buffer of its own (long pieces split from a line, deserialized values).
//!
//! Pieces split from a `Text` ([`split_whitespace`](Text::split_whitespace),
//! [`split`](Text::split)) are inline or owned, never shared: a long word kept as a key does
//! not keep its whole read buffer alive. A shared line does: [`detached`](Text::detached)
//! copies one out, and the engine detaches a `Text` that enters a store outliving its task (a
//! cache block, a shuffle's map output, a combiner table's key); see [`settle`].

use std::any::{Any, TypeId};
use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};

use hipstr::HipStr;

/// An immutable UTF-8 string that is inline when short and can share a read buffer when long;
/// see the module documentation. It dereferences to `str`, hashes, compares and serializes as
/// `str` does, and converts from and into `String`.
///
/// ```
/// use rddflow_engine::Text;
///
/// let line = Text::from("the quick brown fox jumps over the lazy dog");
/// // The pieces own no more than themselves; the iterator owns the line.
/// let words: Vec<Text> = line.clone().split_whitespace().collect();
/// assert_eq!(words.len(), 9);
/// assert_eq!(words[1], "quick");
/// assert_eq!(words[1].retained_bytes(), 0); // inline
/// assert_eq!(line.to_uppercase().split(' ').nth(3).unwrap(), "FOX");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Text(HipStr<'static>);

/// Longest string held inline (in the value, no heap buffer).
const INLINE: usize = 23;

impl Text {
    /// The empty text.
    pub const fn new() -> Text {
        Text(HipStr::new())
    }

    /// The text as a `str`.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Bytes of heap memory this text keeps alive: 0 when inline, the whole buffer when it
    /// shares one (a line of `text_file` keeps its read chunk), its own buffer when owned.
    pub fn retained_bytes(&self) -> usize {
        if self.0.is_inline() {
            0
        } else {
            self.0.capacity()
        }
    }

    /// A copy that holds only its own bytes (inline when short): what to keep of a shared
    /// line so that its read buffer can be freed.
    pub fn detached(&self) -> Text {
        Text::from(self.as_str())
    }

    /// Whether this text shares a larger buffer (and would keep more than itself alive).
    #[inline]
    fn shares(&self) -> bool {
        !self.0.is_inline() && self.0.capacity() > self.len()
    }

    /// The string, as an owned `String`.
    pub fn into_string(self) -> String {
        self.as_str().to_owned()
    }

    /// A piece of `self` by byte range: inline when short, else copied into its own buffer
    /// (never sharing `self`'s). `range` lies on char boundaries.
    #[inline]
    fn piece(&self, range: Range<usize>) -> Text {
        Text::from(&self.as_str()[range])
    }

    /// A range of `self` sharing its buffer: what `text_file` gives each line of a chunk.
    /// `range` lies on char boundaries.
    #[inline]
    pub(crate) fn share(&self, range: Range<usize>) -> Text {
        Text(self.0.slice(range))
    }

    /// The pieces between runs of whitespace (`char::is_whitespace`), as
    /// `str::split_whitespace`, by an iterator that owns `self`: a `flat_map` closure can return
    /// `l.split_whitespace()` without collecting. Each piece is inline when at most 23 bytes.
    ///
    /// ```
    /// # use rddflow_engine::Text;
    /// let t = Text::from("  a\tbb \u{3000}ccc  ");
    /// let got: Vec<Text> = t.split_whitespace().collect();
    /// assert_eq!(got, ["a", "bb", "ccc"]);
    /// ```
    pub fn split_whitespace(self) -> Pieces<Whitespace> {
        Pieces::new(self, Whitespace, true)
    }

    /// The pieces between runs of ASCII whitespace, as `str::split_ascii_whitespace`.
    pub fn split_ascii_whitespace(self) -> Pieces<AsciiWhitespace> {
        Pieces::new(self, AsciiWhitespace, true)
    }

    /// The pieces between separators (a `char`, or a `FnMut(char) -> bool`), empty ones
    /// included, as `str::split`; the iterator owns `self`.
    ///
    /// ```
    /// # use rddflow_engine::Text;
    /// let got: Vec<Text> = Text::from("a,,b,").split(',').collect();
    /// assert_eq!(got, ["a", "", "b", ""]);
    /// let got: Vec<Text> = Text::from("x1y22z").split(|c: char| c.is_ascii_digit()).collect();
    /// assert_eq!(got, ["x", "y", "", "z"]);
    /// ```
    pub fn split<S: Separator>(self, sep: S) -> Pieces<S> {
        Pieces::new(self, sep, false)
    }

    /// The text in lowercase (`str::to_lowercase`); a clone when nothing changes, no heap
    /// allocation for a short ASCII result.
    pub fn to_lowercase(&self) -> Text {
        self.map_case(
            u8::is_ascii_uppercase,
            u8::to_ascii_lowercase,
            str::to_lowercase,
        )
    }

    /// The text in uppercase (`str::to_uppercase`); a clone when nothing changes, no heap
    /// allocation for a short ASCII result.
    pub fn to_uppercase(&self) -> Text {
        self.map_case(
            u8::is_ascii_lowercase,
            u8::to_ascii_uppercase,
            str::to_uppercase,
        )
    }

    fn map_case(
        &self,
        changes: fn(&u8) -> bool,
        ascii: fn(&u8) -> u8,
        unicode: fn(&str) -> String,
    ) -> Text {
        let s = self.as_str();
        if !s.is_ascii() {
            return Text::from(unicode(s));
        }
        if !s.as_bytes().iter().any(changes) {
            return self.clone();
        }
        if s.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            for (d, b) in buf.iter_mut().zip(s.as_bytes()) {
                *d = ascii(b);
            }
            let out = std::str::from_utf8(&buf[..s.len()]).expect("ASCII stays ASCII");
            return Text::from(out);
        }
        Text::from(s.bytes().map(|b| ascii(&b) as char).collect::<String>())
    }
}

/// What [`Text::split`] splits at: a `char`, or a predicate on chars.
pub trait Separator {
    /// Whether `c` separates pieces.
    fn is_separator(&mut self, c: char) -> bool;
}

/// The separator of [`Text::split_whitespace`]: `char::is_whitespace`.
#[derive(Clone, Copy, Debug)]
pub struct Whitespace;

impl Separator for Whitespace {
    #[inline(always)]
    fn is_separator(&mut self, c: char) -> bool {
        c.is_whitespace()
    }
}

/// The separator of [`Text::split_ascii_whitespace`]: `char::is_ascii_whitespace`.
#[derive(Clone, Copy, Debug)]
pub struct AsciiWhitespace;

impl Separator for AsciiWhitespace {
    #[inline(always)]
    fn is_separator(&mut self, c: char) -> bool {
        c.is_ascii_whitespace()
    }
}

impl Separator for char {
    #[inline]
    fn is_separator(&mut self, c: char) -> bool {
        c == *self
    }
}

impl<F: FnMut(char) -> bool> Separator for F {
    #[inline]
    fn is_separator(&mut self, c: char) -> bool {
        self(c)
    }
}

/// The pieces of a [`Text`] (see [`Text::split`] and [`Text::split_whitespace`]); the
/// iterator owns the text, so it can outlive the closure that made it.
pub struct Pieces<S> {
    text: Text,
    /// Byte offset where the next piece starts.
    pos: usize,
    sep: S,
    /// Runs of separators count as one and empty pieces are skipped (the whitespace splits).
    skip_empty: bool,
    done: bool,
}

impl<S: Separator> Pieces<S> {
    fn new(text: Text, sep: S, skip_empty: bool) -> Self {
        Pieces {
            text,
            pos: 0,
            sep,
            skip_empty,
            done: false,
        }
    }
}

/// The byte offset of the first char of `s` at or after `from` for which
/// `sep.is_separator` is `want`, and that char's length (`(s.len(), 0)` if there is none).
#[inline(always)]
fn scan(sep: &mut impl Separator, s: &str, from: usize, want: bool) -> (usize, usize) {
    let bytes = s.as_bytes();
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        // Separators are mostly ASCII: a byte below 0x80 is its char; decode the others.
        let (c, n) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = s[i..].chars().next().expect("a char starts here");
            (c, c.len_utf8())
        };
        if sep.is_separator(c) == want {
            return (i, n);
        }
        i += n;
    }
    (bytes.len(), 0)
}

impl<S: Separator> Iterator for Pieces<S> {
    type Item = Text;

    #[inline]
    fn next(&mut self) -> Option<Text> {
        let Pieces {
            text,
            pos,
            sep,
            skip_empty,
            done,
        } = self;
        if *done {
            return None;
        }
        let s = text.as_str();
        let mut start = *pos;
        if *skip_empty {
            start = scan(sep, s, start, false).0;
            if start == s.len() {
                *done = true;
                return None;
            }
        }
        let (end, n) = scan(sep, s, start, true);
        *done = n == 0;
        *pos = end + n;
        Some(text.piece(start..end))
    }
}

/// Drops the hold that a value entering a long-lived store (a cache block, a map output, a
/// combiner table) has on a shared read buffer, when the value is a [`Text`]; other types are
/// left as they are (the test is on the type, decided at compile time).
#[inline]
pub(crate) fn settle<T: 'static>(x: &mut T) {
    if TypeId::of::<T>() == TypeId::of::<Text>()
        && let Some(t) = (x as &mut dyn Any).downcast_mut::<Text>()
        && t.shares()
    {
        *t = t.detached();
    }
}

impl Deref for Text {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

/// As `str`'s, so `HashMap<Text, _>` can be probed with a `&str`, and a `Text` key lands in
/// the same hash partition as the equal `String` key.
impl Hash for Text {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(HipStr::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(HipStr::from(s))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.into_string()
    }
}

impl std::str::FromStr for Text {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Text, Self::Err> {
        Ok(Text::from(s))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, o: &str) -> bool {
        self.as_str() == o
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, o: &&str) -> bool {
        self.as_str() == *o
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, o: &String) -> bool {
        self.as_str() == o
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, o: &Text) -> bool {
        self == o.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, o: &Text) -> bool {
        *self == o.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, o: &Text) -> bool {
        self == o.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strs(v: Vec<Text>) -> Vec<String> {
        v.into_iter().map(String::from).collect()
    }

    proptest! {
        /// The splitters give what `str`'s do, for strings mixing ASCII, Unicode whitespace,
        /// multi-byte chars and long runs (pieces above the inline length).
        #[test]
        fn splits_equal_strs(s in "([a-z]{1,30}|[ \t\n\u{a0}\u{3000},é日]){0,20}") {
            let t = Text::from(s.as_str());
            let want: Vec<String> = s.split_whitespace().map(str::to_owned).collect();
            prop_assert_eq!(strs(t.clone().split_whitespace().collect()), want);
            let want: Vec<String> = s.split_ascii_whitespace().map(str::to_owned).collect();
            prop_assert_eq!(strs(t.clone().split_ascii_whitespace().collect()), want);
            let want: Vec<String> = s.split(',').map(str::to_owned).collect();
            prop_assert_eq!(strs(t.clone().split(',').collect()), want);
            let want: Vec<String> = s.split('日').map(str::to_owned).collect();
            prop_assert_eq!(strs(t.clone().split('日').collect()), want);
            prop_assert_eq!(t.to_lowercase().into_string(), s.to_lowercase());
            prop_assert_eq!(t.to_uppercase().into_string(), s.to_uppercase());
        }
    }

    proptest! {
        /// Order and equality are `str`'s, inline or not (sorts by a `Text` key order as by
        /// the `String` key).
        #[test]
        fn orders_as_str(a in "[a-c\u{e9}]{0,30}", b in "[a-c\u{e9}]{0,30}") {
            let (ta, tb) = (Text::from(a.as_str()), Text::from(b.as_str()));
            prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            prop_assert_eq!(ta == tb, a == b);
        }
    }

    proptest! {
        /// Equality is byte equality at every length, for one byte changed anywhere, inline
        /// and shared texts alike.
        #[test]
        fn equal_exactly_when_every_byte_is(a in "[a-c]{0,40}", at in any::<usize>()) {
            let ta = Text::from(a.as_str());
            let chunk = Text::from(format!("{a}\n"));
            let shared = chunk.share(0..a.len());
            prop_assert_eq!(&ta, &shared);
            if !a.is_empty() {
                let mut b = a.clone().into_bytes();
                let i = at % b.len();
                b[i] = if b[i] == b'a' { b'b' } else { b'a' };
                let b = String::from_utf8(b).unwrap_or_default();
                let tb = Text::from(b.as_str());
                prop_assert!(ta != tb && tb != shared, "{:?} {:?}", a, b);
            }
        }
    }

    #[test]
    fn pieces_never_share_the_buffer_they_come_from() {
        let long = "x".repeat(40);
        let line = Text::from(format!("{long} short {long}"));
        let chunk = Text::from(format!("{}\n{}", line.as_str(), "y".repeat(1000)));
        let shared = chunk.share(0..line.len());
        assert!(shared.shares());
        assert_eq!(shared.retained_bytes(), chunk.len());
        for w in shared.clone().split(' ') {
            assert!(!w.shares(), "{w:?}");
            assert!(w.retained_bytes() <= w.len());
        }
        let mut settled = shared.clone();
        settle(&mut settled);
        assert_eq!(settled, shared);
        assert_eq!(settled.retained_bytes(), line.len());
        // Other types pass through.
        let mut s = String::from("abc");
        settle(&mut s);
        assert_eq!(s, "abc");
    }

    #[test]
    fn hashes_as_str_and_serializes_as_a_string() {
        use crate::partitioner::key_hash;
        let t = Text::from("naïve");
        assert_eq!(key_hash(&t), key_hash(&"naïve".to_owned()));
        let bytes = postcard::to_stdvec(&t).unwrap();
        assert_eq!(bytes, postcard::to_stdvec("naïve").unwrap());
        let back: Text = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"naïve\"");
    }
}
