//! Counts in output lines: "1 file", "2 files".

/// `n` followed by the singular or plural noun, as `n` requires.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn singular_only_for_one() {
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(2, "file", "files"), "2 files");
    }
}
