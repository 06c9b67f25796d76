//! Lexical layer of booth.conf (surface.md §1.2): 1023-byte chunks, `key = value`
//! tokenizing, quotes, and the 64-byte key/value limit.

use super::cnum::is_c_space;
use super::error::ErrorKind;

/// C reads with a 1024-byte `fgets` buffer: at most 1023 bytes per chunk.
pub(crate) const CHUNK_MAX: usize = 1023;
/// Longest key or value (`BOOTH_NAME_LEN`): longer is "key/value too long".
pub(crate) const KEY_VALUE_MAX: usize = 64;

/// Splits the file the way repeated `fgets(buf, 1024)` does: a chunk ends after a
/// newline or after 1023 bytes, and each chunk counts as one line. Each chunk is cut
/// at its first NUL byte, since the C parser only ever sees C strings.
pub(crate) fn chunks(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let window = rest.len().min(CHUNK_MAX);
        let end = rest[..window]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(window, |nl| nl + 1);
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        let visible = chunk
            .iter()
            .position(|&b| b == 0)
            .map_or(chunk, |nul| &chunk[..nul]);
        Some(visible)
    })
}

/// One tokenized line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Blank line or comment.
    Skip,
    /// `key = value`, quotes removed, both at most 64 bytes.
    Entry { key: &'a [u8], value: &'a [u8] },
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn skip_space(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    i
}

/// Tokenizes one chunk (surface.md §1.2 steps 2–7).
pub(crate) fn tokenize(line: &[u8]) -> Result<Token<'_>, ErrorKind> {
    let start = skip_space(line, 0);
    match line.get(start) {
        None | Some(b'\n' | b'#') => return Ok(Token::Skip),
        Some(_) => {}
    }
    let mut end_of_key = start;
    while end_of_key < line.len() && is_key_byte(line[end_of_key]) {
        end_of_key += 1;
    }
    if end_of_key == start {
        return Err(ErrorKind::NoKey);
    }
    let key = &line[start..end_of_key];
    let eq = skip_space(line, end_of_key);
    if line.get(eq) != Some(&b'=') {
        return Err(ErrorKind::ExpectedEquals);
    }
    let v = skip_space(line, eq + 1);
    let value = match line.get(v) {
        None => return Err(ErrorKind::NoValue),
        Some(&quote @ (b'"' | b'\'')) => {
            let body = v + 1;
            let close = line[body..]
                .iter()
                .position(|&b| b == quote)
                .map(|p| body + p)
                .ok_or(ErrorKind::UnterminatedQuote)?;
            let after = skip_space(line, close + 1);
            match line.get(after) {
                None | Some(b'#') => {}
                Some(_) => return Err(ErrorKind::SurplusData),
            }
            &line[body..close]
        }
        Some(_) => {
            let mut end = line.len();
            while end > v && is_c_space(line[end - 1]) {
                end -= 1;
            }
            &line[v..end]
        }
    };
    if key.len() > KEY_VALUE_MAX || value.len() > KEY_VALUE_MAX {
        return Err(ErrorKind::KeyValueTooLong);
    }
    Ok(Token::Entry { key, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str) -> (String, String) {
        match tokenize(line.as_bytes()) {
            Ok(Token::Entry { key, value }) => (
                String::from_utf8_lossy(key).into_owned(),
                String::from_utf8_lossy(value).into_owned(),
            ),
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn values() {
        assert_eq!(entry("ticket = A # x\n"), ("ticket".into(), "A # x".into()));
        assert_eq!(
            entry("  ticket=\"A\"  # c\r\n"),
            ("ticket".into(), "A".into())
        );
        assert_eq!(entry("k = 'a\"b'"), ("k".into(), "a\"b".into()));
        assert_eq!(entry("k = \"\""), ("k".into(), String::new()));
        assert_eq!(entry("k = #x"), ("k".into(), "#x".into()));
        assert_eq!(entry("k = a\\\n"), ("k".into(), "a\\".into()));
    }

    #[test]
    fn errors() {
        assert_eq!(tokenize(b"= 5"), Err(ErrorKind::NoKey));
        assert_eq!(tokenize(b"ticket A"), Err(ErrorKind::ExpectedEquals));
        assert_eq!(tokenize(b"ticket\n"), Err(ErrorKind::ExpectedEquals));
        assert_eq!(tokenize(b"ticket =  \n"), Err(ErrorKind::NoValue));
        assert_eq!(
            tokenize(b"ticket = \"A\n"),
            Err(ErrorKind::UnterminatedQuote)
        );
        assert_eq!(tokenize(b"ticket = \"A\" x"), Err(ErrorKind::SurplusData));
        assert_eq!(tokenize(b"   # x"), Ok(Token::Skip));
        assert_eq!(tokenize(b"\r\n"), Ok(Token::Skip));
    }

    #[test]
    fn chunking() {
        let long = format!("# {}\nx = y", "x".repeat(1100));
        let c: Vec<&[u8]> = chunks(long.as_bytes()).collect();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].len(), 1023);
        let exact = format!("{}\n", "x".repeat(1023));
        assert_eq!(chunks(exact.as_bytes()).count(), 2);
        assert_eq!(
            chunks(b"a\0b\nc").collect::<Vec<_>>(),
            vec![&b"a"[..], &b"c"[..]]
        );
    }
}
