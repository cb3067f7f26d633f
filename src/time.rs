//! The clock every time claim is checked against.

/// Seconds since the Unix epoch (0 if the clock is before it, `i64::MAX` past year 292e9).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
