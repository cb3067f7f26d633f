//! The characters of a token: RFC 6750 `b64token`, checked once per source.

use crate::error::InvalidRequestReason as Reason;

/// The characters of RFC 6750 `b64token` (`ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`
/// and `=`), as a table. Where a `=` sits is left to verification, so a padded JWT segment is
/// an invalid token (401), not a malformed request.
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=');
        b += 1;
    }
    table
};

fn is_b64token(token: &str) -> bool {
    token.bytes().all(|b| B64TOKEN[usize::from(b)])
}

/// A header value of b64token characters and spaces only (what a well-formed `Bearer <jwt>`
/// is): one pass, after which the value is known to be visible ASCII without tabs.
pub(super) fn is_plain(value: &[u8]) -> bool {
    value.iter().all(|&b| b == b' ' || B64TOKEN[usize::from(b)])
}

/// Whether `byte` is a b64token character, without a table lookup, so that a loop over a
/// token can check many bytes at once.
#[inline]
fn b64token_byte(byte: u8) -> bool {
    // `| 0x20` folds A-Z onto a-z and maps no other byte into a-z.
    ((byte | 0x20).wrapping_sub(b'a') < 26)
        | (byte.wrapping_sub(b'0') < 10)
        | (byte == b'-')
        | (byte == b'.')
        | (byte == b'_')
        | (byte == b'~')
        | (byte == b'+')
        | (byte == b'/')
        | (byte == b'=')
}

/// A non-empty run of b64token characters, checked without an early exit per byte (the
/// compiler turns the loop into vector instructions), a block at a time.
pub(super) fn all_b64token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.chunks(64).all(|block| {
            block
                .iter()
                .fold(true, |valid, &byte| valid & b64token_byte(byte))
        })
}

/// A non-empty token of b64token characters.
pub(super) fn checked(token: &str) -> Result<&str, Reason> {
    if token.is_empty() {
        return Err(Reason::EmptyToken);
    }
    if !is_b64token(token) {
        return Err(Reason::BadCharacters);
    }
    Ok(token)
}
