//! Counting passed, failed and skipped cases, and saying where a failure was.

use std::fmt;

/// One failed check: which case of which file, and which field was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The index of the case in the file's JSON array.
    pub case: usize,
    /// The field (or step) that did not match.
    pub field: String,
    /// What was wrong.
    pub detail: String,
}

/// The result of checking one file: counts of cases and the failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Cases whose every check held.
    pub passed: usize,
    /// Cases with at least one failed check.
    pub failed: usize,
    /// Cases not checked, because their layer or cipher suite is not supported.
    pub skipped: usize,
    /// Every failed check, in order.
    pub failures: Vec<Failure>,
}

impl Outcome {
    /// Adds another outcome's counts and failures to this one.
    pub fn absorb(&mut self, other: Outcome) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
        self.failures.extend(other.failures);
    }

    /// Counts one case that was skipped.
    pub(crate) fn skip(&mut self) {
        self.skipped += 1;
    }

    /// Starts checking case `case`; the checks are recorded on the returned [`CaseCheck`].
    pub(crate) fn case(&mut self, case: usize) -> CaseCheck<'_> {
        CaseCheck {
            outcome: self,
            case,
            failed: false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// The checks of one case. The case counts as passed when this is dropped with no failed
/// check, and as failed otherwise.
pub(crate) struct CaseCheck<'a> {
    outcome: &'a mut Outcome,
    case: usize,
    failed: bool,
}

impl CaseCheck<'_> {
    /// Records a failure of `field` unless `ok`.
    pub(crate) fn expect(&mut self, ok: bool, field: &str, detail: impl FnOnce() -> String) {
        if !ok {
            self.fail(field, detail());
        }
    }

    /// Records that `actual` must equal `expected` for `field`.
    pub(crate) fn expect_eq<T: PartialEq + fmt::Debug>(
        &mut self,
        field: &str,
        actual: &T,
        expected: &T,
    ) {
        if actual != expected {
            self.fail(field, format!("got {actual:?}, expected {expected:?}"));
        }
    }

    /// Records that `actual` must be `Ok(expected)` for `field`; an error is recorded with its
    /// message (its `Display`, which for a provider's own error carries that error's text).
    pub(crate) fn expect_ok_eq<T: PartialEq + fmt::Debug, E: fmt::Display>(
        &mut self,
        field: &str,
        actual: &Result<T, E>,
        expected: &T,
    ) {
        match actual {
            Ok(actual) => self.expect_eq(field, actual, expected),
            Err(error) => self.fail(field, format!("{error}, expected {expected:?}")),
        }
    }

    /// Records a failure of `field` if `result` is an error, and passes the value on.
    pub(crate) fn ok<T, E: fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail(field, error.to_string());
                None
            }
        }
    }

    /// Records a failure of `field`.
    pub(crate) fn fail(&mut self, field: &str, detail: String) {
        self.failed = true;
        self.outcome.failures.push(Failure {
            case: self.case,
            field: field.to_owned(),
            detail,
        });
    }
}

impl Drop for CaseCheck<'_> {
    fn drop(&mut self) {
        if self.failed {
            self.outcome.failed += 1;
        } else {
            self.outcome.passed += 1;
        }
    }
}
